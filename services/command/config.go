package main

import (
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/kafka"
	platformpg "github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
)

// config is everything the command service reads, parsed once in main.
type config struct {
	Command   commandConfig
	Readmodel readmodel.Config
	Auth      auth.Config
	Seed      seedConfig
	Database  platformpg.Config
	Redis     redis.Config
	Kafka     kafka.Config
	Pricing   pricing.Config
}

type commandConfig struct {
	web.Config       `koanf:",squash"`
	MigrateOnStart   bool          `koanf:"migrate_on_start"`
	HoldTTL          time.Duration `koanf:"hold_ttl"`
	TripRetention    time.Duration `koanf:"trip_retention"`
	MaxTripsPerGuest int           `koanf:"max_trips_per_guest"`
	MaxSeatsPerGuest int           `koanf:"max_seats_per_guest"`
	SweepInterval    time.Duration `koanf:"sweep_interval"`
	Relay            relayConfig   `koanf:"relay"`
}

type relayConfig struct {
	BatchSize    int           `koanf:"batch_size"`
	PollInterval time.Duration `koanf:"poll_interval"`
	LockRetry    time.Duration `koanf:"lock_retry"`
	Retention    time.Duration `koanf:"retention"`
	MaxAttempts  int           `koanf:"max_attempts"`
	RetryBackoff time.Duration `koanf:"retry_backoff"`
}

func (c commandConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	switch {
	case c.HoldTTL < time.Minute || c.HoldTTL > 24*time.Hour:
		return cfgpkg.Invalid("hold_ttl", "must be between 1m and 24h")
	case c.TripRetention < 0 || c.TripRetention > 7*24*time.Hour:
		return cfgpkg.Invalid("trip_retention", "must be between 0s and 168h")
	case c.MaxTripsPerGuest < 1 || c.MaxTripsPerGuest > 100:
		return cfgpkg.Invalid("max_trips_per_guest", "must be between 1 and 100")
	case c.MaxSeatsPerGuest < 1 || c.MaxSeatsPerGuest > 1000:
		return cfgpkg.Invalid("max_seats_per_guest", "must be between 1 and 1000")
	case c.SweepInterval < 100*time.Millisecond || c.SweepInterval > time.Hour:
		return cfgpkg.Invalid("sweep_interval", "must be between 100ms and 1h")
	case c.Relay.BatchSize < 1 || c.Relay.BatchSize > 10000:
		return cfgpkg.Invalid("relay.batch_size", "must be between 1 and 10000")
	case c.Relay.PollInterval <= 0:
		return cfgpkg.Invalid("relay.poll_interval", "must be positive")
	case c.Relay.LockRetry <= 0:
		return cfgpkg.Invalid("relay.lock_retry", "must be positive")
	case c.Relay.Retention < 0:
		return cfgpkg.Invalid("relay.retention", "must not be negative")
	case c.Relay.MaxAttempts < 1 || c.Relay.MaxAttempts > 1000:
		return cfgpkg.Invalid("relay.max_attempts", "must be between 1 and 1000")
	case c.Relay.RetryBackoff < time.Millisecond || c.Relay.RetryBackoff > time.Hour:
		return cfgpkg.Invalid("relay.retry_backoff", "must be between 1ms and 1h")
	}
	return nil
}

type seedConfig struct {
	Days  int `koanf:"days"`
	Scale int `koanf:"scale"`
}

func (c seedConfig) Validate() error {
	if c.Days < 1 || c.Days > 3660 {
		return cfgpkg.Invalid("days", "must be between 1 and 3660")
	}
	if c.Scale < 1 || c.Scale > 100 {
		return cfgpkg.Invalid("scale", "must be between 1 and 100")
	}
	return nil
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := l.Sections(
		cfgpkg.Into{Key: "command", Dst: &c.Command}, cfgpkg.Into{Key: "auth", Dst: &c.Auth},
		cfgpkg.Into{Key: "readmodel", Dst: &c.Readmodel},
		cfgpkg.Into{Key: "seed", Dst: &c.Seed},
		cfgpkg.Into{Key: "database", Dst: &c.Database}, cfgpkg.Into{Key: "redis", Dst: &c.Redis},
		cfgpkg.Into{Key: "kafka", Dst: &c.Kafka}, cfgpkg.Into{Key: "pricing", Dst: &c.Pricing},
	)
	return c, err
}
