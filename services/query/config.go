package main

import (
	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/pricing"
)

// config is everything the query service reads, parsed once in main.
type config struct {
	Query   web.Config
	Auth    auth.Config
	Redis   redis.Config
	Pricing pricing.Config
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := l.Sections(
		cfgpkg.Into{Key: "query", Dst: &c.Query}, cfgpkg.Into{Key: "auth", Dst: &c.Auth},
		cfgpkg.Into{Key: "redis", Dst: &c.Redis}, cfgpkg.Into{Key: "pricing", Dst: &c.Pricing},
	)
	return c, err
}
