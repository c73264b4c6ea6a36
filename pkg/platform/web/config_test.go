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
			cfg := web.Config{Host: c.host, Port: 8080, ShutdownTimeout: time.Second}
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
