package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/pkg/platform/testenv"
)

const defaultConfig = "../../config/default.toml"

func TestDefaultConfigIsValid(t *testing.T) {
	l, err := cfgpkg.Load(defaultConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(l); err != nil {
		t.Fatalf("default.toml: %v", err)
	}
}

// Trusted proxies come as a comma-separated list in the environment.
func TestTrustedProxiesFromEnvironment(t *testing.T) {
	l, err := cfgpkg.Load(defaultConfig, []string{"APP_GATEWAY__TRUSTED_PROXIES=10.0.0.0/8,2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(l)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Gateway.trustedProxies()
	if len(got) != 2 || got[0].String() != "10.0.0.0/8" || got[1].String() != "2001:db8::/32" {
		t.Fatalf("trusted proxies %v", got)
	}
}

func TestBadValueNamesTheKey(t *testing.T) {
	cases := []struct{ env, want string }{
		{"APP_SERVER__PORT=0", "[server]: port:"},
		{"APP_SERVER__SHUTDOWN_TIMEOUT=0s", "[server]: shutdown_timeout:"},
		{"APP_SERVER__HOST=", "[server]: host:"},
		{"APP_SERVER__HOST=0.0.0.0:8080", "[server]: host:"},
		{"APP_GATEWAY__ADMIN_HOST=", "[gateway]: admin_host:"},
		{"APP_GATEWAY__ADMIN_HOST=http://127.0.0.1", "[gateway]: admin_host:"},
		{"APP_AUTH__JWT_SECRET=too-short", "[auth]: jwt_secret:"},
		{"APP_AUTH__ISSUER=", "[auth]: issuer:"},
		{"APP_AUTH__AUDIENCE=", "[auth]: audience:"},
		{"APP_AUTH__TOKEN_TTL=0s", "[auth]: token_ttl:"},
		{"APP_AUTH__LEEWAY=-1s", "[auth]: leeway:"},
		{"APP_GATEWAY__COMMAND_URLS=127.0.0.1:8081", "[gateway]: command_urls:"},
		{"APP_GATEWAY__QUERY_URLS=/query", "[gateway]: query_urls:"},
		{"APP_GATEWAY__QUERY_URLS=", "[gateway]: query_urls:"},
		{"APP_GATEWAY__QUERY_URLS=http://query:8082,ftp://query:21", "[gateway]: query_urls:"},
		{"APP_GATEWAY__BODY_LIMIT_BYTES=0", "[gateway]: body_limit_bytes:"},
		{"APP_GATEWAY__LIMITS__SEARCH__PER_SECOND=0", "[gateway]: limits.search.per_second:"},
		{"APP_GATEWAY__LIMITS__HOLDS__PER_SECOND=-1", "[gateway]: limits.holds.per_second:"},
		{"APP_GATEWAY__LIMITS__SEARCH__BURST=-1", "[gateway]: limits.search.burst:"},
		{"APP_GATEWAY__LIMITS__COMMITS__PER_SECOND=2000000", "[gateway]: limits.commits.per_second:"},
		{"APP_GATEWAY__LIMITS__TOKENS__BURST=0", "[gateway]: limits.tokens.burst:"},
		{"APP_GATEWAY__LIMITS__REDIS_TIMEOUT=0s", "[gateway]: limits.redis_timeout:"},
		{"APP_GATEWAY__TRUSTED_PROXIES=10.0.0.1", "[gateway]: trusted_proxies:"},
		{"APP_REDIS__URL=not-a-url", "[redis]: url:"},
		{"APP_REDIS__PREFIX=", "[redis]: prefix:"},
		{"APP_GATEWAY__UPSTREAM_TIMEOUT=0s", "[gateway]: upstream_timeout:"},
		{"APP_GATEWAY__RESOLVE_INTERVAL=0s", "[gateway]: resolve_interval:"},
		{"APP_GATEWAY__EJECT_FOR=-1s", "[gateway]: eject_for:"},
		{"APP_GATEWAY__EJECT_MAX=1s", "[gateway]: eject_max:"},
		{"APP_GATEWAY__CORS_ORIGINS=https://app.example/path", "[gateway]: cors_origins:"},
		{"APP_GATEWAY__CORS_ORIGINS=*,https://app.example", "[gateway]: cors_origins:"},
		{"APP_SERVER__WRITE_TIMEOUT=0s", "[server]: write_timeout:"},
		{"APP_SERVER__DRAIN_DELAY=10s", "[server]: drain_delay:"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			l, err := cfgpkg.Load(defaultConfig, []string{c.env})
			if err != nil {
				t.Fatal(err)
			}
			_, err = loadConfig(l)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %q", err, c.want)
			}
		})
	}
}

// TestRun starts the real wiring against fake upstreams: it serves, issues a
// token and a stream ticket, reports ready, serves /metrics on the loopback
// admin listener and stops cleanly.
func TestRun(t *testing.T) {
	up := fakeUpstream(t)
	url, prefix := testenv.Redis(t)
	// The query URL names a host, so the resolver loop and its stop path run.
	g := startGateway(t, "APP_GATEWAY__COMMAND_URLS="+up, "APP_GATEWAY__QUERY_URLS="+strings.Replace(up, "127.0.0.1", "localhost", 1),
		"APP_REDIS__URL="+url, "APP_REDIS__PREFIX="+prefix)
	for path, want := range map[string]int{"/readyz": 200} {
		if res, err := http.Get(g.base + path); err != nil || res.StatusCode != want {
			t.Fatalf("GET %s: %v %v", path, res, err)
		}
	}
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", g.admin))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET admin /metrics: %v %v", res, err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), `gateway_upstream_outstanding{instance="127.0.0.1:`) {
		t.Fatal("/metrics has no gateway_upstream_outstanding per instance")
	}
	checkClosedCORS(t, g.base)
	checkAdminErrors(t, fmt.Sprintf("http://127.0.0.1:%d", g.admin))
	tok := guestToken(t, g.base)
	req, _ := http.NewRequest(http.MethodPost, g.base+"/v1/flights/0b8f5a52-3f0c-4a57-9a49-2f3c1d6e7a10/stream-ticket", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST stream-ticket: %v %v", res, err)
	}
	if err := g.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// Two gateway processes on one Redis spend one budget: a client that
// alternates between them gets the burst once, not twice.
func TestTwoGatewaysShareOneBudget(t *testing.T) {
	up := fakeUpstream(t)
	url, prefix := testenv.Redis(t)
	env := []string{"APP_GATEWAY__COMMAND_URLS=" + up, "APP_GATEWAY__QUERY_URLS=" + up,
		"APP_REDIS__URL=" + url, "APP_REDIS__PREFIX=" + prefix,
		"APP_GATEWAY__LIMITS__SEARCH__PER_SECOND=0.001", "APP_GATEWAY__LIMITS__SEARCH__BURST=5"}
	gateways := []*gateway{startGateway(t, env...), startGateway(t, env...)}
	allowed := 0
	for i := range 20 {
		res, err := http.Post(gateways[i%2].base+"/v1/flights/search", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if allowed != 5 {
		t.Fatalf("%d searches allowed through two gateways, want the one burst of 5", allowed)
	}
	for _, g := range gateways {
		if err := g.stop(); err != nil {
			t.Fatalf("run: %v", err)
		}
	}
}

// Without Redis the gateway still answers, each instance limiting alone:
// /readyz names redis, the fallback counter counts, requests pass within
// the local budget and are refused beyond it.
func TestRunWithoutRedis(t *testing.T) {
	up := fakeUpstream(t)
	g := startGateway(t, "APP_GATEWAY__COMMAND_URLS="+up, "APP_GATEWAY__QUERY_URLS="+up,
		fmt.Sprintf("APP_REDIS__URL=redis://127.0.0.1:%d/0", freePort(t)), // nothing listens
		"APP_GATEWAY__LIMITS__REDIS_TIMEOUT=50ms", "APP_GATEWAY__LIMITS__TOKENS__BURST=2")
	res, err := http.Get(g.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "redis") {
		t.Fatalf("/readyz: %d %s, want 503 naming redis", res.StatusCode, body)
	}
	var got []int
	for range 3 {
		res, err := http.Post(g.base+"/v1/auth/guest", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got = append(got, res.StatusCode)
	}
	if fmt.Sprint(got) != "[201 201 429]" {
		t.Fatalf("guest tokens without Redis: %v, want [201 201 429]", got)
	}
	res, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", g.admin))
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), `gateway_rate_limit_fallback_total{limiter="tokens"} 3`) {
		t.Fatal("fallback decisions not counted")
	}
	if err := g.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// gateway is a run() started by startGateway.
type gateway struct {
	base  string
	admin int
	stop  func() error
}

// startGateway runs the gateway on free ports with env and waits until it
// serves; stop cancels it and returns run's error.
func startGateway(t *testing.T, env ...string) *gateway {
	t.Helper()
	port, admin := freePort(t), freePort(t)
	env = append([]string{fmt.Sprintf("APP_SERVER__PORT=%d", port), fmt.Sprintf("APP_GATEWAY__ADMIN_PORT=%d", admin)}, env...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.Start(ctx, "gateway", []string{"-config", defaultConfig}, env, io.Discard, run)
	}()
	g := &gateway{base: fmt.Sprintf("http://127.0.0.1:%d", port), admin: admin}
	var once sync.Once
	var err error
	g.stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = g.stop() })
	waitUp(t, g.base+"/healthz", done)
	return g
}

// fakeUpstream answers every request 200, for both upstreams.
func fakeUpstream(t *testing.T) string {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(up.Close)
	return up.URL
}

func guestToken(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Post(base+"/v1/auth/guest", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/auth/guest: %v %v", res, err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("guest token answer: %+v %v", out, err)
	}
	return out.Token
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitUp(t *testing.T, url string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run stopped: %v", err)
		default:
		}
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("gateway did not start")
}

// checkClosedCORS: with the shipped cors_origins = [] a browser on another
// origin gets no Access-Control-* header, preflight or not.
func checkClosedCORS(t *testing.T, base string) {
	t.Helper()
	for _, method := range []string{http.MethodOptions, http.MethodPost} {
		req, _ := http.NewRequest(method, base+"/v1/auth/guest", nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for k := range res.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s with an Origin: %s = %q, want CORS closed by default", method, k, res.Header.Get(k))
			}
		}
	}
}

// checkAdminErrors: the admin listener answers its 404 and 405 in the one
// error shape, with the security headers.
func checkAdminErrors(t *testing.T, admin string) {
	t.Helper()
	for path, want := range map[string]string{"/nowhere": "not_found", "/metrics": "method_not_allowed"} {
		res, err := http.Post(admin+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Error struct{ Code string } `json:"error"`
		}
		err = json.NewDecoder(res.Body).Decode(&env)
		res.Body.Close()
		if err != nil || env.Error.Code != want || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("admin POST %s: %d %+v %v, want %s in the one shape", path, res.StatusCode, env, err, want)
		}
	}
}
