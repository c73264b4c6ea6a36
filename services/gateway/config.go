package main

import (
	"math"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/web"
)

// config is everything the gateway reads, parsed once in main.
type config struct {
	Server  web.Config
	Auth    auth.Config
	Gateway gatewayConfig
}

type gatewayConfig struct {
	AdminHost            string        `koanf:"admin_host"`
	AdminPort            int           `koanf:"admin_port"`
	CommandURLs          []string      `koanf:"command_urls"`
	QueryURLs            []string      `koanf:"query_urls"`
	BodyLimitBytes       int64         `koanf:"body_limit_bytes"`
	RateLimitPerSecond   float64       `koanf:"rate_limit_per_second"`
	RateLimitBurst       int           `koanf:"rate_limit_burst"`
	GuestTokensPerMinute int           `koanf:"guest_tokens_per_minute"`
	CORSOrigins          []string      `koanf:"cors_origins"`
	UpstreamTimeout      time.Duration `koanf:"upstream_timeout"`
	ResolveInterval      time.Duration `koanf:"resolve_interval"`
	EjectFor             time.Duration `koanf:"eject_for"`
	EjectMax             time.Duration `koanf:"eject_max"`
}

func (c gatewayConfig) Validate() error {
	return cfgpkg.Join(
		web.CheckHost("admin_host", c.AdminHost),
		positive("admin_port", c.AdminPort > 0 && c.AdminPort <= 65535),
		checkURLs("command_urls", c.CommandURLs),
		checkURLs("query_urls", c.QueryURLs),
		positive("body_limit_bytes", c.BodyLimitBytes > 0),
		positive("rate_limit_per_second", c.RateLimitPerSecond > 0 && !math.IsInf(c.RateLimitPerSecond, 0)),
		positive("rate_limit_burst", c.RateLimitBurst > 0),
		positive("guest_tokens_per_minute", c.GuestTokensPerMinute > 0),
		positive("upstream_timeout", c.UpstreamTimeout > 0),
		positive("resolve_interval", c.ResolveInterval > 0),
		positive("eject_for", c.EjectFor > 0),
		atLeast("eject_max", c.EjectMax, "eject_for", c.EjectFor),
		checkOrigins(c.CORSOrigins),
	)
}

// AdminAddr is where /metrics is served: internal, loopback by default.
func (c gatewayConfig) AdminAddr() string {
	return net.JoinHostPort(c.AdminHost, strconv.Itoa(c.AdminPort))
}

func positive(key string, ok bool) error {
	if ok {
		return nil
	}
	return cfgpkg.Invalid(key, "must be positive")
}

func atLeast(key string, v time.Duration, floorKey string, floor time.Duration) error {
	if v >= floor && v > 0 {
		return nil
	}
	return cfgpkg.Invalid(key, "must be at least %s (%s)", floorKey, floor)
}

// checkURLs wants at least one URL, each one checkURL accepts.
func checkURLs(key string, urls []string) error {
	if len(urls) == 0 {
		return cfgpkg.Invalid(key, "must list at least one URL")
	}
	var errs []error
	for _, u := range urls {
		errs = append(errs, checkURL(key, u))
	}
	return cfgpkg.Join(errs...)
}

// checkURL wants an absolute http(s) base URL such as http://query:8082.
func checkURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return cfgpkg.Invalid(key, "must be an absolute http(s) URL, got %q", raw)
	}
	return nil
}

// checkOrigins accepts "*" or origins like https://app.example.com[:port].
func checkOrigins(origins []string) error {
	for _, o := range origins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return cfgpkg.Invalid("cors_origins", "%q is not * or an http(s) origin", o)
		}
	}
	return nil
}

func loadConfig(l *cfgpkg.Loader) (config, error) {
	var c config
	err := cfgpkg.Join(
		l.Section("server", &c.Server),
		l.Section("auth", &c.Auth),
		l.Section("gateway", &c.Gateway),
	)
	return c, err
}
