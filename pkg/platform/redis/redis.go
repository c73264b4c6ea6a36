// Package redis opens rueidis clients from configuration.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/config"
)

// Config is the [redis] section.
type Config struct {
	URL    string `koanf:"url"`
	Prefix string `koanf:"prefix"`
}

// Validate checks the URL parses.
func (c Config) Validate() error {
	if _, err := rueidis.ParseURL(c.URL); err != nil || c.URL == "" {
		return config.Invalid("url", "must be a Redis URL (redis://host:port/db)")
	}
	if c.Prefix == "" {
		return config.Invalid("prefix", "must not be empty")
	}
	return nil
}

// Open returns a client. A server that does not answer yet is logged and
// retried by the client, so the service still starts and reports the
// problem on /readyz.
func Open(c Config, log *slog.Logger) (rueidis.Client, error) {
	opt, err := rueidis.ParseURL(c.URL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	opt.ForceSingleClient = true
	opt.DisableCache = true
	opt.Dialer.Timeout = 3 * time.Second
	client, err := rueidis.NewClient(opt)
	if client == nil {
		return nil, fmt.Errorf("redis %s: %w", opt.InitAddress, err)
	}
	if err != nil {
		log.Warn("redis not reachable yet; retrying in the background", "addr", opt.InitAddress, "err", err)
	}
	return client, nil
}

// Ping is a readiness check.
func Ping(client rueidis.Client) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return client.Do(ctx, client.B().Ping().Build()).Error()
	}
}
