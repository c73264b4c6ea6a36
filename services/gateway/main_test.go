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
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer up.Close()
	port, admin := freePort(t), freePort(t)
	env := []string{
		fmt.Sprintf("APP_SERVER__PORT=%d", port), fmt.Sprintf("APP_GATEWAY__ADMIN_PORT=%d", admin),
		"APP_GATEWAY__COMMAND_URLS=" + up.URL, "APP_GATEWAY__QUERY_URLS=" + up.URL,
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
	if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", admin)); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET admin /metrics: %v %v", res, err)
	}
	checkClosedCORS(t, base)
	checkAdminErrors(t, fmt.Sprintf("http://127.0.0.1:%d", admin))
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
