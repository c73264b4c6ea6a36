package main

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Backoff between attempts to migrate at start.
const (
	migrateFirstRetry = 500 * time.Millisecond
	migrateMaxRetry   = 30 * time.Second
)

// errMigrationsPending is what /readyz says until the schema is in place;
// the cause of each failed attempt goes to the log, not to the probe.
var errMigrationsPending = errors.New("migrations not applied yet (retrying; see the log)")

// migrator applies the schema in the background at start, retrying with
// backoff until it succeeds: meanwhile the HTTP server answers /healthz,
// /readyz names "migrations" as failing, and work that needs the schema
// waits on Wait.
type migrator struct {
	up   func(ctx context.Context) (int64, error)
	log  *slog.Logger
	done chan struct{}
}

// newMigrator runs up until it succeeds; a nil up means there is nothing to
// apply (migrate_on_start is off): the migrator is done from the start.
func newMigrator(up func(ctx context.Context) (int64, error), log *slog.Logger) *migrator {
	m := &migrator{up: up, log: log, done: make(chan struct{})}
	if up == nil {
		close(m.done)
	}
	return m
}

// Run applies the migrations, retrying until they succeed or ctx ends.
func (m *migrator) Run(ctx context.Context) error {
	if m.up == nil {
		return nil
	}
	for wait := migrateFirstRetry; ; wait = min(wait*2, migrateMaxRetry) {
		v, err := m.up(ctx)
		if err == nil {
			m.log.InfoContext(ctx, "schema is up to date", "version", v)
			close(m.done)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m.log.ErrorContext(ctx, "migrations failed; the service stays not ready and retries",
			"err", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Check is the readiness check: it fails until the migrations are applied.
func (m *migrator) Check(context.Context) error {
	select {
	case <-m.done:
		return nil
	default:
		return errMigrationsPending
	}
}

// Wait returns once the migrations are applied, or ctx's error.
func (m *migrator) Wait(ctx context.Context) error {
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
