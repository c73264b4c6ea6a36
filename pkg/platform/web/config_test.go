package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/web"
)

func TestConfigHost(t *testing.T) {
	cases := []struct {
		host string
		ok   bool
		addr string
	}{
		{"127.0.0.1", true, "127.0.0.1:8080"},
		{"0.0.0.0", true, "0.0.0.0:8080"},
		{"::1", true, "[::1]:8080"},
		{"::", true, "[::]:8080"},
		{"localhost", true, "localhost:8080"},
		{"query-1.internal", true, "query-1.internal:8080"},
		{"", false, ""},
		{"127.0.0.1:8080", false, ""},
		{"[::1]", false, ""},
		{"http://host", false, ""},
		{"-bad.example", false, ""},
		{"a..b", false, ""},
		{"999.1.1.1", false, ""},
		{"host name", false, ""},
		{strings.Repeat("a", 64), false, ""},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			cfg := validConfig()
			cfg.Host = c.host
			err := cfg.Validate()
			if c.ok != (err == nil) {
				t.Fatalf("Validate = %v, want ok %v", err, c.ok)
			}
			if !c.ok && !strings.HasPrefix(err.Error(), "host:") {
				t.Fatalf("error %q does not name the key", err)
			}
			if c.ok && cfg.Addr() != c.addr {
				t.Fatalf("Addr = %q, want %q", cfg.Addr(), c.addr)
			}
		})
	}
}

func TestConfigAddrWithoutHostIsEveryInterface(t *testing.T) {
	if got := (web.Config{Port: 9090}).Addr(); got != ":9090" {
		t.Fatalf("Addr = %q, want :9090", got)
	}
}

// validConfig is the defaults of config/default.toml.
func validConfig() web.Config {
	return web.Config{Host: "127.0.0.1", Port: 8080, ShutdownTimeout: 10 * time.Second,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 60 * time.Second}
}

func TestConfigNamesTheBadTimeout(t *testing.T) {
	cases := []struct {
		key string
		set func(*web.Config)
	}{
		{"shutdown_timeout", func(c *web.Config) { c.ShutdownTimeout = 0 }},
		{"read_header_timeout", func(c *web.Config) { c.ReadHeaderTimeout = 0 }},
		{"read_timeout", func(c *web.Config) { c.ReadTimeout = -time.Second }},
		{"write_timeout", func(c *web.Config) { c.WriteTimeout = 0 }},
		{"idle_timeout", func(c *web.Config) { c.IdleTimeout = 0 }},
		{"read_header_timeout", func(c *web.Config) { c.ReadHeaderTimeout = 20 * time.Second }},
		{"drain_delay", func(c *web.Config) { c.DrainDelay = -time.Second }},
		{"drain_delay", func(c *web.Config) { c.DrainDelay = c.ShutdownTimeout }},
	}
	for _, tc := range cases {
		cfg := validConfig()
		tc.set(&cfg)
		if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.key+":") {
			t.Errorf("%+v: Validate = %v, want an error naming %s", cfg, err, tc.key)
		}
	}
	cfg := validConfig()
	cfg.DrainDelay = 5 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Errorf("a drain delay below shutdown_timeout: %v", err)
	}
}
