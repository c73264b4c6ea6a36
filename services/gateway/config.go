package main

import (
	"math"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/gateway/internal/limits"
)

// config is everything the gateway reads, parsed once in main.
type config struct {
	Server  web.Config
	Auth    auth.Config
	Redis   redis.Config
	Gateway gatewayConfig
}

type gatewayConfig struct {
	AdminHost       string        `koanf:"admin_host"`
	AdminPort       int           `koanf:"admin_port"`
	AdminPprof      bool          `koanf:"admin_pprof"`
	CommandURLs     []string      `koanf:"command_urls"`
	QueryURLs       []string      `koanf:"query_urls"`
	BodyLimitBytes  int64         `koanf:"body_limit_bytes"`
	TrustedProxies  []string      `koanf:"trusted_proxies"`
	Limits          limitsConfig  `koanf:"limits"`
	CORSOrigins     []string      `koanf:"cors_origins"`
	UpstreamTimeout time.Duration `koanf:"upstream_timeout"`
	ResolveInterval time.Duration `koanf:"resolve_interval"`
	EjectFor        time.Duration `koanf:"eject_for"`
	EjectMax        time.Duration `koanf:"eject_max"`
}

func (c gatewayConfig) Validate() error {
	return cfgpkg.Join(
		web.CheckHost("admin_host", c.AdminHost),
		positive("admin_port", c.AdminPort > 0 && c.AdminPort <= 65535),
		checkURLs("command_urls", c.CommandURLs),
		checkURLs("query_urls", c.QueryURLs),
		positive("body_limit_bytes", c.BodyLimitBytes > 0),
		checkCIDRs("trusted_proxies", c.TrustedProxies),
		c.Limits.validate(),
		positive("upstream_timeout", c.UpstreamTimeout > 0),
		positive("resolve_interval", c.ResolveInterval > 0),
		positive("eject_for", c.EjectFor > 0),
		atLeast("eject_max", c.EjectMax, "eject_for", c.EjectFor),
		checkOrigins(c.CORSOrigins),
	)
}

// limitsConfig is [gateway.limits]: the rate-limit budgets, kept in Redis.
type limitsConfig struct {
	RedisTimeout time.Duration `koanf:"redis_timeout"`
	Search       budgetConfig  `koanf:"search"`
	Holds        budgetConfig  `koanf:"holds"`
	Commits      budgetConfig  `koanf:"commits"`
	Tokens       budgetConfig  `koanf:"tokens"`
}

// budgetConfig is one [gateway.limits.<budget>] section.
type budgetConfig struct {
	PerSecond float64 `koanf:"per_second"`
	Burst     int     `koanf:"burst"`
}

func (c limitsConfig) validate() error {
	errs := []error{}
	if c.RedisTimeout < time.Millisecond || c.RedisTimeout > 10*time.Second {
		errs = append(errs, cfgpkg.Invalid("limits.redis_timeout", "must be between 1ms and 10s"))
	}
	for _, b := range c.budgets() {
		key := "limits." + b.Name + "."
		if !(b.PerSecond > 0) || b.PerSecond > 1e6 || math.IsNaN(b.PerSecond) {
			errs = append(errs, cfgpkg.Invalid(key+"per_second", "must be above 0 and at most 1000000"))
		}
		if b.Burst < 1 || b.Burst > 1_000_000_000 {
			errs = append(errs, cfgpkg.Invalid(key+"burst", "must be between 1 and 1000000000"))
		}
	}
	return cfgpkg.Join(errs...)
}

// budgets lists the budgets, named as limits names them.
func (c limitsConfig) budgets() []limits.Budget {
	b := func(name string, c budgetConfig) limits.Budget {
		return limits.Budget{Name: name, PerSecond: c.PerSecond, Burst: c.Burst}
	}
	return []limits.Budget{
		b(limits.Search, c.Search), b(limits.Holds, c.Holds), b(limits.Commits, c.Commits), b(limits.Tokens, c.Tokens),
	}
}

// checkCIDRs wants every entry to be a CIDR such as 10.0.0.0/8.
func checkCIDRs(key string, cidrs []string) error {
	for _, s := range cidrs {
		if _, _, err := net.ParseCIDR(s); err != nil {
			return cfgpkg.Invalid(key, "%q is not a CIDR such as 10.0.0.0/8", s)
		}
	}
	return nil
}

// trustedProxies is TrustedProxies parsed (Validate has checked them).
func (c gatewayConfig) trustedProxies() []*net.IPNet {
	out := make([]*net.IPNet, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		if _, n, err := net.ParseCIDR(s); err == nil {
			out = append(out, n)
		}
	}
	return out
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

// checkOrigins accepts "*" alone or origins like https://app.example.com[:port].
func checkOrigins(origins []string) error {
	for _, o := range origins {
		if o == "*" {
			if len(origins) > 1 {
				return cfgpkg.Invalid("cors_origins", `"*" must be the only origin`)
			}
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
		l.Section("redis", &c.Redis),
		l.Section("gateway", &c.Gateway),
	)
	return c, err
}
