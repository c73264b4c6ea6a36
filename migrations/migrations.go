// Package migrations embeds Altis's SQL schema and applies it with goose,
// serialised by a PostgreSQL advisory lock so that several instances may
// start at once.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sql/*.sql
var files embed.FS

// FS returns the migration files.
func FS() fs.FS {
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// Up applies every pending migration to the database at url and returns the
// schema version reached.
func Up(ctx context.Context, url string, log *slog.Logger) (int64, error) {
	db, err := open(url)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	p, err := provider(db, log)
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate up: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return p.GetDBVersion(ctx)
}

// Apply is Up without logging or the version, for callers such as tests
// that only need the schema in place.
func Apply(ctx context.Context, url string) error {
	_, err := Up(ctx, url, slog.New(slog.DiscardHandler))
	return err
}

func open(url string) (*sql.DB, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	return stdlib.OpenDB(*cc), nil
}

func provider(db *sql.DB, log *slog.Logger) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, FS(),
		goose.WithSessionLocker(locker), goose.WithSlog(log))
}
