package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/altisair/altis/pkg/platform/auth"
	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/http"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

const shippedConfig = "../../config/default.toml"

func load(t *testing.T, environ ...string) (config, error) {
	t.Helper()
	l, err := cfgpkg.Load(shippedConfig, environ)
	if err != nil {
		return config{}, err
	}
	return loadConfig(l)
}

func TestShippedConfigLoads(t *testing.T) {
	c, err := load(t)
	if err != nil {
		t.Fatalf("loadConfig(%s): %v", shippedConfig, err)
	}
	if c.Query.Port != 8082 || c.Query.ShutdownTimeout != 10*time.Second {
		t.Errorf("[query] = %+v, want port 8082, shutdown_timeout 10s", c.Query)
	}
	if c.Query.Host != "127.0.0.1" || c.Query.Addr() != "127.0.0.1:8082" {
		t.Errorf("[query] host %q, addr %q: want loopback by default", c.Query.Host, c.Query.Addr())
	}
	if want := (streamConfig{Heartbeat: 15 * time.Second, Buffer: 64, MaxPerGuest: 5, MaxConnections: 10000}); c.Query.Stream != want {
		t.Errorf("[query.stream] = %+v, want %+v", c.Query.Stream, want)
	}
	if c.Auth.Issuer != "altis-gateway" || c.Auth.Audience != "altis-api" {
		t.Errorf("[auth] = issuer %q, audience %q", c.Auth.Issuer, c.Auth.Audience)
	}
	if c.Redis.URL == "" || c.Redis.Prefix != "altis" {
		t.Errorf("[redis] = %+v", c.Redis)
	}
	if _, err := pricing.New(c.Pricing); err != nil {
		t.Fatalf("pricing.New rejects the shipped [pricing]: %v", err)
	}
	if len(c.Pricing.Sales) == 0 || len(c.Pricing.Surcharges) == 0 {
		t.Errorf("[pricing] decoded without sales or surcharges: %+v", c.Pricing)
	}
}

func TestEnvOverrides(t *testing.T) {
	cases := []struct {
		env   string
		check func(config) bool // for an override that loads
		// for one that fails: the error names the section and key
		section, key string
	}{
		{"APP_QUERY__PORT=9090", func(c config) bool { return c.Query.Port == 9090 }, "", ""},
		{"APP_QUERY__SHUTDOWN_TIMEOUT=3s", func(c config) bool { return c.Query.ShutdownTimeout == 3*time.Second }, "", ""},
		{"APP_QUERY__HOST=0.0.0.0", func(c config) bool { return c.Query.Addr() == "0.0.0.0:8082" }, "", ""},
		{"APP_AUTH__ISSUER=other", func(c config) bool { return c.Auth.Issuer == "other" }, "", ""},
		{"APP_REDIS__PREFIX=other", func(c config) bool { return c.Redis.Prefix == "other" }, "", ""},
		{"APP_QUERY__STREAM__HEARTBEAT=5s", func(c config) bool { return c.Query.Stream.Heartbeat == 5*time.Second }, "", ""},
		{"APP_QUERY__STREAM__BUFFER=16", func(c config) bool { return c.Query.Stream.Buffer == 16 }, "", ""},
		{"APP_QUERY__STREAM__MAX_PER_GUEST=5000", func(c config) bool { return c.Query.Stream.MaxPerGuest == 5000 }, "", ""},
		{"APP_QUERY__STREAM__MAX_CONNECTIONS=20000", func(c config) bool { return c.Query.Stream.MaxConnections == 20000 }, "", ""},
		{"APP_QUERY__PORT=notaport", nil, "[query]", "port"},
		{"APP_QUERY__PORT=0", nil, "[query]", "port"},
		{"APP_QUERY__PORT=65536", nil, "[query]", "port"},
		{"APP_QUERY__PORT=-1", nil, "[query]", "port"},
		{"APP_QUERY__SHUTDOWN_TIMEOUT=soon", nil, "[query]", "shutdown_timeout"},
		{"APP_QUERY__SHUTDOWN_TIMEOUT=0s", nil, "[query]", "shutdown_timeout"},
		{"APP_QUERY__HOST=", nil, "[query]", "host"},
		{"APP_QUERY__HOST=127.0.0.1:8082", nil, "[query]", "host"},
		{"APP_AUTH__JWT_SECRET=short", nil, "[auth]", "jwt_secret"},
		{"APP_AUTH__AUDIENCE=", nil, "[auth]", "audience"},
		{"APP_AUTH__LEEWAY=1h", nil, "[auth]", "leeway"},
		{"APP_REDIS__PREFIX=", nil, "[redis]", "prefix"},
		{"APP_REDIS__URL=http://example.com", nil, "[redis]", "url"},
		{"APP_QUERY__PROT=8082", nil, "APP_QUERY__PROT", "query.prot"},
		{"APP_QUERY__STREAM__HEARTBEAT=often", nil, "[query]", "stream.heartbeat"},
		{"APP_QUERY__STREAM__HEARTBEAT=10ms", nil, "[query]", "stream.heartbeat"},
		{"APP_QUERY__STREAM__HEARTBEAT=1h", nil, "[query]", "stream.heartbeat"},
		{"APP_QUERY__STREAM__BUFFER=0", nil, "[query]", "stream.buffer"},
		{"APP_QUERY__STREAM__BUFFER=lots", nil, "[query]", "stream.buffer"},
		{"APP_QUERY__STREAM__MAX_PER_GUEST=0", nil, "[query]", "stream.max_per_guest"},
		{"APP_QUERY__STREAM__MAX_PER_GUEST=10001", nil, "[query]", "stream.max_per_guest"},
		{"APP_QUERY__STREAM__MAX_CONNECTIONS=-1", nil, "[query]", "stream.max_connections"},
		{"APP_QUERY__STREAM__MAX_CONNECTIONS=2000000", nil, "[query]", "stream.max_connections"},
		{"APP_QUERY__STREAM__MAXCONN=1", nil, "APP_QUERY__STREAM__MAXCONN", "query.stream.maxconn"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			got, err := load(t, c.env)
			if c.check != nil {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				if !c.check(got) {
					t.Fatalf("override not applied: %+v", got)
				}
				return
			}
			// The key as a word: "port" must not match "host:port" or "import".
			key := regexp.MustCompile(`(^|[^a-z_.:/])'?` + regexp.QuoteMeta(c.key) + `'?([^a-z_/]|$)`)
			if err == nil || !strings.Contains(err.Error(), c.section) || !key.MatchString(err.Error()) {
				t.Fatalf("error %v, want one naming %s %s", err, c.section, c.key)
			}
		})
	}
}

// noIndex is an index that is never called.
type noIndex struct {
	app.Index
	app.FlightCatalog
}

// noLog is an app.SeatLog that is never called.
type noLog struct{ app.SeatLog }

func TestHandlersRefuseNilDependencies(t *testing.T) {
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := pricing.New(c.Pricing)
	if err != nil {
		t.Fatal(err)
	}
	guests, err := auth.NewVerifier(c.Auth.Settings())
	if err != nil {
		t.Fatal(err)
	}
	hub, err := sse.NewHub(sse.Config{Buffer: 1, MaxPerGuest: 1, MaxConnections: 1}, prometheus.NewRegistry(), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	log := logging.Discard()
	cases := map[string]func() (*http.Handlers, error){
		"index":    func() (*http.Handlers, error) { return handlers(nil, noLog{}, hub, time.Second, engine, guests, log) },
		"seat log": func() (*http.Handlers, error) { return handlers(noIndex{}, nil, hub, time.Second, engine, guests, log) },
		"hub": func() (*http.Handlers, error) {
			return handlers(noIndex{}, noLog{}, nil, time.Second, engine, guests, log)
		},
		"verifier": func() (*http.Handlers, error) {
			return handlers(noIndex{}, noLog{}, hub, time.Second, engine, nil, log)
		},
		"heartbeat": func() (*http.Handlers, error) {
			return handlers(noIndex{}, noLog{}, hub, 0, engine, guests, log)
		},
	}
	for name, build := range cases {
		if h, err := build(); err == nil || h != nil {
			t.Errorf("handlers without a %s = %v, %v; want an error", name, h, err)
		}
	}
	if h, err := handlers(noIndex{}, noLog{}, hub, time.Second, engine, guests, log); err != nil || h == nil {
		t.Fatalf("handlers with every dependency: %v", err)
	}
}

// TestInvalidPricingStopsTheService starts the real run function with a
// pricing rule the engine refuses: the service must not start, and the
// error must name the rule.
func TestInvalidPricingStopsTheService(t *testing.T) {
	raw, err := os.ReadFile("../../config/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), "percent_off = 20", "percent_off = -20", 1)
	if bad == string(raw) {
		t.Fatal("the shipped sale changed; update this test")
	}
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := cfgpkg.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), lifecycle.Env{Config: l, Log: logging.Discard()})
	if err == nil || !strings.Contains(err.Error(), `pricing.sales[0] "Transatlantic winter sale"`) {
		t.Fatalf("run with a negative sale: %v; want an error naming the rule", err)
	}
}
