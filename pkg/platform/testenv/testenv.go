// Package testenv gives integration tests real PostgreSQL and Redis: from
// TEST_DATABASE_URL / TEST_REDIS_URL when set, otherwise from
// testcontainers where Docker runs, otherwise from servers answering on
// their usual local ports. Each test gets its own database and its own
// Redis key prefix. With CI=true a missing server fails the test; a
// developer without one sees the test skipped with the reason.
package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/rueidis"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
)

var (
	pgOnce, redisOnce sync.Once
	pgURL, redisURL   string
	pgErr, redisErr   error
)

// unavailable fails under CI and skips elsewhere, always saying why.
func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s unavailable (%v): set TEST_%s_URL or run Docker", what, err, strings.ToUpper(what))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Database creates a fresh, empty database for this test and returns its
// URL; the database is dropped when the test ends.
func Database(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pgURL, pgErr = serverURL("TEST_DATABASE_URL", startPostgres, localPostgres) })
	if pgErr != nil {
		unavailable(t, "database", pgErr)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		unavailable(t, "database", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("altis_test_%d_%08x", time.Now().Unix(), rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return withDatabase(pgURL, name)
}

// Pool opens a pool on a fresh database for this test, first prepared by
// migrate (e.g. migrations.Apply; nil leaves it empty). It closes when the
// test ends.
func Pool(t testing.TB, migrate func(ctx context.Context, url string) error) *pgxpool.Pool {
	t.Helper()
	url := Database(t)
	ctx := context.Background()
	if migrate != nil {
		if err := migrate(ctx, url); err != nil {
			t.Fatalf("migrate test database: %v", err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// Redis returns the Redis URL and a key prefix unique to this test; every
// key under the prefix is deleted when the test ends.
func Redis(t testing.TB) (redisURLOut, prefix string) {
	t.Helper()
	redisOnce.Do(func() { redisURL, redisErr = serverURL("TEST_REDIS_URL", startRedis, localRedis) })
	if redisErr != nil {
		unavailable(t, "redis", redisErr)
	}
	prefix = fmt.Sprintf("test:%08x", rand.Uint32())
	t.Cleanup(func() {
		if err := deletePrefix(redisURL, prefix); err != nil {
			t.Logf("cleaning Redis keys %s:*: %v", prefix, err)
		}
	})
	return redisURL, prefix
}

// deletePrefix unlinks every key under prefix.
func deletePrefix(raw, prefix string) error {
	opt, err := rueidis.ParseURL(raw)
	if err != nil {
		return err
	}
	client, err := rueidis.NewClient(opt)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cursor uint64
	for {
		e, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(prefix+":*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return err
		}
		if len(e.Elements) > 0 {
			if err := client.Do(ctx, client.B().Unlink().Key(e.Elements...).Build()).Error(); err != nil {
				return err
			}
		}
		if cursor = e.Cursor; cursor == 0 {
			return nil
		}
	}
}

// The usual local servers, tried when nothing else is configured.
const (
	localPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	localRedis    = "redis://127.0.0.1:6379/0"
)

func serverURL(env string, start func(context.Context) (string, error), local string) (string, error) {
	if u := os.Getenv(env); u != "" {
		return u, nil
	}
	if !dockerAvailable() {
		if answers(local) {
			return local, nil
		}
		return "", fmt.Errorf("%s is not set, Docker is not running and nothing answers at %s", env, local)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return start(ctx)
}

// answers reports whether a TCP server listens at the URL's host.
func answers(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func dockerAvailable() bool {
	_, err := os.Stat("/var/run/docker.sock")
	return err == nil || os.Getenv("DOCKER_HOST") != ""
}

// Containers live until the test binary exits (testcontainers' reaper
// removes them).
func startPostgres(ctx context.Context) (string, error) {
	c, err := tcpostgres.Run(ctx, "postgres:15-alpine",
		tcpostgres.WithDatabase("postgres"), tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"), tcpostgres.BasicWaitStrategies())
	if err != nil {
		return "", err
	}
	return c.ConnectionString(ctx, "sslmode=disable")
}

func startRedis(ctx context.Context) (string, error) {
	c, err := tcredis.Run(ctx, "redis:7-alpine")
	if err != nil {
		return "", err
	}
	return c.ConnectionString(ctx)
}
