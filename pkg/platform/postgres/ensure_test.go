package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/pkg/platform/testenv"
)

// TestEnsureDatabaseCreatesAMissingOne runs against the real server with a
// throwaway database name.
func TestEnsureDatabaseCreatesAMissingOne(t *testing.T) {
	ctx := context.Background()
	existing := testenv.Database(t)
	name := fmt.Sprintf("altis_ensure_%08x", rand.Uint32())
	missing := withDatabase(t, existing, name)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), existing)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	if _, err := pgx.Connect(ctx, missing); err == nil {
		t.Fatalf("database %s exists before the test", name)
	}
	for range 2 { // the second call finds it and does nothing
		if err := postgres.EnsureDatabase(ctx, missing, logging.Discard()); err != nil {
			t.Fatalf("EnsureDatabase: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, missing)
	if err != nil {
		t.Fatalf("the database was not created: %v", err)
	}
	_ = conn.Close(ctx)
}

// TestEnsureDatabaseSaysHowWhenItCannot: a user without CREATEDB (a
// throwaway role) finds the database missing and cannot create it; the
// error names the createdb command.
func TestEnsureDatabaseSaysHowWhenItCannot(t *testing.T) {
	ctx := context.Background()
	existing := testenv.Database(t)
	admin, err := pgx.Connect(ctx, existing)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	role := fmt.Sprintf("altis_nocreate_%08x", rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN NOCREATEDB"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	name := fmt.Sprintf("altis_absent_%08x", rand.Uint32())
	u, _ := url.Parse(withDatabase(t, existing, name))
	u.User = url.User(role)
	err = postgres.EnsureDatabase(ctx, u.String(), logging.Discard())
	want := fmt.Sprintf("create it with: createdb -h %s -p %s -U %s %s", u.Hostname(), u.Port(), role, name)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one ending %q", err, want)
	}
}

func withDatabase(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
