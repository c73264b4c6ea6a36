package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maintenanceDB is the database every PostgreSQL server has, used to
// create the one the URL names.
const maintenanceDB = "postgres"

// EnsureDatabase creates the database url names when the server answers
// that it does not exist, connecting as the same user to the server's
// "postgres" database. When it cannot, the error says how to create it by
// hand. Any other connection error is returned as it is.
func EnsureDatabase(ctx context.Context, url string, log *slog.Logger) error {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	cc.ConnectTimeout = 5 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err == nil {
		return conn.Close(ctx)
	}
	if !hasCode(err, "3D000") { // invalid_catalog_name
		return fmt.Errorf("connect to database %q: %w", cc.Database, err)
	}
	if err := create(ctx, cc); err != nil {
		return fmt.Errorf("database %q does not exist and cannot be created (%w); create it with: %s",
			cc.Database, err, createdbCommand(cc))
	}
	log.Info("database created", "database", cc.Database, "host", cc.Host)
	return nil
}

func create(ctx context.Context, cc *pgx.ConnConfig) error {
	admin := cc.Copy()
	admin.Database = maintenanceDB
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cc.Database}.Sanitize())
	if hasCode(err, "42P04") { // duplicate_database: another instance was first
		return nil
	}
	return err
}

func hasCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// createdbCommand is the shell command that creates cc's database.
func createdbCommand(cc *pgx.ConnConfig) string {
	return "createdb -h " + cc.Host + " -p " + strconv.Itoa(int(cc.Port)) + " -U " + cc.User + " " + cc.Database
}
