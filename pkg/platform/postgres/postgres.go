// Package postgres opens pgx pools from configuration.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/platform/config"
)

// Config is the [database] section.
type Config struct {
	URL      string `koanf:"url"`
	MaxConns int32  `koanf:"max_conns"`
}

// Validate checks the URL parses and the pool size is sane.
func (c Config) Validate() error {
	if _, err := pgxpool.ParseConfig(c.URL); err != nil || c.URL == "" {
		return config.Invalid("url", "must be a PostgreSQL URL (postgres://user@host:port/db)")
	}
	if c.MaxConns < 1 || c.MaxConns > 1000 {
		return config.Invalid("max_conns", "must be between 1 and 1000")
	}
	return nil
}

// Open returns a pool. It does not wait for the server: an unreachable
// database shows in Ping (and so in /readyz), not as a failed start.
func Open(ctx context.Context, c Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	pc.MaxConns = c.MaxConns
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	return pgxpool.NewWithConfig(ctx, pc)
}
