package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3/lock"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/testenv"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type readiness struct {
	status int
	failed map[string]string
}

func probe(t *testing.T, port int, path string) (readiness, error) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return readiness{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Failed map[string]string `json:"failed"`
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return readiness{}, err
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return readiness{}, fmt.Errorf("%s answered %q: %w", path, raw, err)
	}
	return readiness{status: resp.StatusCode, failed: body.Failed}, nil
}

// waitProbe polls path until cond holds on its answer or within passes.
func waitProbe(t *testing.T, port int, path string, within time.Duration, what string, cond func(readiness) bool) readiness {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r, err := probe(t, port, path)
		if err == nil && cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, %s: last answer %+v, err %v", within, what, r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Migrations cannot run when the service starts: its database does not
// exist yet, or another session holds the migration lock. The service
// serves /healthz at once, /readyz names "migrations" (with no internals),
// and once the obstacle is gone the retried migration applies the schema
// and the service becomes ready.
func TestFailedMigrationAtStartIsRetriedAndKeepsTheServiceNotReady(t *testing.T) {
	cases := []struct {
		name string
		// block makes migrations impossible on db and returns what lifts it.
		block func(t *testing.T, db lateDB) (unblock func())
	}{
		{"database created later", func(t *testing.T, db lateDB) func() {
			return func() { db.create(t) }
		}},
		{"migration lock held by another session", func(t *testing.T, db lateDB) func() {
			db.create(t)
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, db.url)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lock.DefaultLockID); err != nil {
				t.Fatal(err)
			}
			return func() { conn.Close(ctx) } // releases the session lock
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := lateDatabase(t, testenv.Database(t))
			unblock := tc.block(t, db)
			port := startCommand(t, db.url)

			waitProbe(t, port, "/healthz", 10*time.Second, "/healthz answers 200", func(r readiness) bool { return r.status == http.StatusOK })
			r := waitProbe(t, port, "/readyz", 10*time.Second, "/readyz names migrations", func(r readiness) bool {
				return r.status == http.StatusServiceUnavailable && r.failed["migrations"] != ""
			})
			if msg := r.failed["migrations"]; msg != "unavailable" {
				t.Errorf("/readyz says %q about migrations; want only \"unavailable\" (causes go to the log)", msg)
			}
			if n := db.tables(t); n != 0 {
				t.Fatalf("%d tables before the migration could run", n)
			}

			unblock()
			waitProbe(t, port, "/readyz", 60*time.Second, "the service becomes ready", func(r readiness) bool { return r.status == http.StatusOK })
			if n := db.tables(t); n != 3 {
				t.Fatalf("ready with %d of 3 tables: the schema was not applied", n)
			}
		})
	}
}

// startCommand runs the command service against databaseURL, a fresh
// Redis prefix and an embedded Kafka broker until the test ends, and
// returns its port.
func startCommand(t *testing.T, databaseURL string) int {
	t.Helper()
	redisURL, prefix := testenv.Redis(t)
	broker, err := kfake.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	environ := []string{
		"APP_DATABASE__URL=" + databaseURL, "APP_REDIS__URL=" + redisURL, "APP_REDIS__PREFIX=" + prefix,
		"APP_KAFKA__BROKERS=" + strings.Join(broker.ListenAddrs(), ","), fmt.Sprintf("APP_COMMAND__PORT=%d", port),
		"APP_LOG__LEVEL=error",
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		stopped <- lifecycle.Start(ctx, "command", []string{"-config", "../../config/default.toml"}, environ, io.Discard, run)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("command stopped with %v", err)
		}
		broker.Close()
	})
	return port
}

// lateDB is a database name on the test server that does not exist until
// create; it is dropped when the test ends.
type lateDB struct {
	admin, name, url string
}

func lateDatabase(t *testing.T, adminURL string) lateDB {
	t.Helper()
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	d := lateDB{admin: adminURL, name: strings.TrimPrefix(u.Path, "/") + "_late"}
	u.Path = "/" + d.name
	d.url = u.String()
	t.Cleanup(func() {
		if err := d.exec("DROP DATABASE IF EXISTS " + d.name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", d.name, err)
		}
	})
	return d
}

func (d lateDB) create(t *testing.T) {
	t.Helper()
	if err := d.exec("CREATE DATABASE " + d.name); err != nil {
		t.Fatal(err)
	}
}

// tables counts the schema's outbox, outbox_dead_letters and bookings
// tables in the database (0 while it does not exist).
func (d lateDB) tables(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.url)
	if err != nil {
		return 0
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_name IN ('outbox', 'outbox_dead_letters', 'bookings')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (d lateDB) exec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
