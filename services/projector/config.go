package main

import (
	"time"

	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/kafka"
	platformpg "github.com/altisair/altis/pkg/platform/postgres"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/readmodel"
)

// config is everything the projector reads, parsed once in main.
type config struct {
	Projector projectorConfig
	Readmodel readmodel.Config
	Database  platformpg.Config
	Redis     redis.Config
	Kafka     kafka.Config
}

type projectorConfig struct {
	web.Config    `koanf:",squash"`
	RebuildBatch  int           `koanf:"rebuild_batch"`
	DropGrace     time.Duration `koanf:"drop_grace"`
	WatchInterval time.Duration `koanf:"watch_interval"`
	CheckInterval time.Duration `koanf:"check_interval"`
	CheckSample   int           `koanf:"check_sample"`
	CheckGrace    time.Duration `koanf:"check_grace"`
	// SessionTimeout is how long the consumer group waits for a silent
	// projector before handing its partitions to the others.
	SessionTimeout time.Duration `koanf:"session_timeout"`
}

func (c projectorConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	switch {
	case c.RebuildBatch < 1 || c.RebuildBatch > 10000:
		return cfgpkg.Invalid("rebuild_batch", "must be between 1 and 10000")
	case c.DropGrace < 0:
		return cfgpkg.Invalid("drop_grace", "must not be negative")
	case c.WatchInterval < 100*time.Millisecond:
		return cfgpkg.Invalid("watch_interval", "must be at least 100ms")
	case c.CheckInterval < time.Second:
		return cfgpkg.Invalid("check_interval", "must be at least 1s")
	case c.CheckSample < 1 || c.CheckSample > 10000:
		return cfgpkg.Invalid("check_sample", "must be between 1 and 10000")
	case c.CheckGrace < 0 || c.CheckGrace >= c.CheckInterval:
		return cfgpkg.Invalid("check_grace", "must not be negative and must be shorter than check_interval")
	case c.SessionTimeout < 6*time.Second || c.SessionTimeout > 5*time.Minute:
		// Kafka brokers refuse sessions outside group.{min,max}.session.timeout.ms (6s–30m by default).
		return cfgpkg.Invalid("session_timeout", "must be between 6s and 5m")
	case c.CheckGrace <= c.SessionTimeout:
		// Otherwise a killed projector's flights, unconsumed until its
		// partitions move, would count as behind and force a rebuild.
		return cfgpkg.Invalid("check_grace", "must be longer than session_timeout")
	}
	return nil
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := l.Sections(
		cfgpkg.Into{Key: "projector", Dst: &c.Projector}, cfgpkg.Into{Key: "readmodel", Dst: &c.Readmodel},
		cfgpkg.Into{Key: "database", Dst: &c.Database},
		cfgpkg.Into{Key: "redis", Dst: &c.Redis}, cfgpkg.Into{Key: "kafka", Dst: &c.Kafka},
	)
	return c, err
}
