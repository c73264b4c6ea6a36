package main

import (
	"time"

	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/pricing"
)

// config is everything the query service reads, parsed once in main.
type config struct {
	Query   queryConfig
	Redis   redis.Config
	Pricing pricing.Config
}

type queryConfig struct {
	Port            int           `koanf:"port"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

func (c queryConfig) Validate() error {
	if c.Port < 1 || c.Port > 65535 {
		return cfgpkg.Invalid("port", "must be between 1 and 65535")
	}
	if c.ShutdownTimeout <= 0 {
		return cfgpkg.Invalid("shutdown_timeout", "must be positive")
	}
	return nil
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := l.Sections(
		cfgpkg.Into{Key: "query", Dst: &c.Query}, cfgpkg.Into{Key: "redis", Dst: &c.Redis},
		cfgpkg.Into{Key: "pricing", Dst: &c.Pricing},
	)
	return c, err
}
