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
	"testing"
	"time"

	cfgpkg "github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/lifecycle"
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
		{"APP_GATEWAY__RATE_LIMIT_PER_SECOND=0", "[gateway]: rate_limit_per_second:"},
		{"APP_GATEWAY__RATE_LIMIT_BURST=-1", "[gateway]: rate_limit_burst:"},
		{"APP_GATEWAY__GUEST_TOKENS_PER_MINUTE=0", "[gateway]: guest_tokens_per_minute:"},
		{"APP_GATEWAY__UPSTREAM_TIMEOUT=0s", "[gateway]: upstream_timeout:"},
		{"APP_GATEWAY__RESOLVE_INTERVAL=0s", "[gateway]: resolve_interval:"},
		{"APP_GATEWAY__EJECT_FOR=-1s", "[gateway]: eject_for:"},
		{"APP_GATEWAY__EJECT_MAX=1s", "[gateway]: eject_max:"},
		{"APP_GATEWAY__CORS_ORIGINS=https://app.example/path", "[gateway]: cors_origins:"},
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
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer up.Close()
	port, admin := freePort(t), freePort(t)
	env := []string{
		fmt.Sprintf("APP_SERVER__PORT=%d", port), fmt.Sprintf("APP_GATEWAY__ADMIN_PORT=%d", admin),
		"APP_GATEWAY__COMMAND_URLS=" + up.URL, "APP_GATEWAY__QUERY_URLS=" + strings.Replace(up.URL, "127.0.0.1", "localhost", 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.Start(ctx, "gateway", []string{"-config", defaultConfig}, env, io.Discard, run)
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base+"/healthz", done)
	for path, want := range map[string]int{"/readyz": 200} {
		if res, err := http.Get(base + path); err != nil || res.StatusCode != want {
			t.Fatalf("GET %s: %v %v", path, res, err)
		}
	}
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", admin))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET admin /metrics: %v %v", res, err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), `gateway_upstream_outstanding{instance="127.0.0.1:`) {
		t.Fatal("/metrics has no gateway_upstream_outstanding per instance")
	}
	tok := guestToken(t, base)
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/flights/0b8f5a52-3f0c-4a57-9a49-2f3c1d6e7a10/stream-ticket", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST stream-ticket: %v %v", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
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
