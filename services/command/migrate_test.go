package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/testenv"
)

// TestMigrateCreatesAMissingDatabase runs `command migrate` on a URL whose
// database does not exist yet (a throwaway name on the real server).
func TestMigrateCreatesAMissingDatabase(t *testing.T) {
	ctx := context.Background()
	existing := testenv.Database(t)
	name := fmt.Sprintf("altis_migrate_%08x", rand.Uint32())
	u, err := url.Parse(existing)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	t.Cleanup(func() {
		if conn, err := pgx.Connect(context.Background(), existing); err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = conn.Close(context.Background())
		}
	})
	err = lifecycle.Start(ctx, "command", []string{"-config", "../../config/default.toml", "migrate"},
		[]string{"APP_DATABASE__URL=" + u.String()}, io.Discard, run)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("the database was not created: %v", err)
	}
	defer conn.Close(ctx)
	var version int64
	if err := conn.QueryRow(ctx, "SELECT max(version_id) FROM goose_db_version").Scan(&version); err != nil || version == 0 {
		t.Fatalf("migrations not applied: version %d, %v", version, err)
	}
}
