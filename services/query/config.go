package main

import (
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
)

// config is everything the query service reads, parsed once in main.
type config struct {
	Query   queryConfig
	Auth    auth.Config
	Redis   redis.Config
	Pricing pricing.Config
}

// queryConfig is the [query] section: the listener and [query.stream].
type queryConfig struct {
	web.Config `koanf:",squash"`
	Stream     streamConfig `koanf:"stream"`
}

// streamConfig is [query.stream], the SSE seat streams.
type streamConfig struct {
	Heartbeat      time.Duration `koanf:"heartbeat"`       // ": ping" interval of an idle stream
	Buffer         int           `koanf:"buffer"`          // events queued per stream before it is dropped
	MaxPerGuest    int           `koanf:"max_per_guest"`   // open streams per guest
	MaxConnections int           `koanf:"max_connections"` // open streams per process
}

func (c queryConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	s := c.Stream
	switch {
	case s.Heartbeat < time.Second || s.Heartbeat > 5*time.Minute:
		return cfgpkg.Invalid("stream.heartbeat", "must be between 1s and 5m")
	case s.Buffer < 1 || s.Buffer > 65536:
		return cfgpkg.Invalid("stream.buffer", "must be between 1 and 65536")
	case s.MaxConnections < 1 || s.MaxConnections > 1_000_000:
		return cfgpkg.Invalid("stream.max_connections", "must be between 1 and 1000000")
	case s.MaxPerGuest < 1 || s.MaxPerGuest > s.MaxConnections:
		return cfgpkg.Invalid("stream.max_per_guest", "must be between 1 and stream.max_connections (%d)", s.MaxConnections)
	}
	return nil
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := l.Sections(
		cfgpkg.Into{Key: "query", Dst: &c.Query}, cfgpkg.Into{Key: "auth", Dst: &c.Auth},
		cfgpkg.Into{Key: "redis", Dst: &c.Redis}, cfgpkg.Into{Key: "pricing", Dst: &c.Pricing},
	)
	return c, err
}
