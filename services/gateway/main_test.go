package main

import (
	"context"
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
		{"APP_AUTH__JWT_SECRET=too-short", "[auth]: jwt_secret:"},
		{"APP_AUTH__ISSUER=", "[auth]: issuer:"},
		{"APP_AUTH__AUDIENCE=", "[auth]: audience:"},
		{"APP_AUTH__TOKEN_TTL=0s", "[auth]: token_ttl:"},
		{"APP_AUTH__LEEWAY=-1s", "[auth]: leeway:"},
		{"APP_GATEWAY__COMMAND_URL=127.0.0.1:8081", "[gateway]: command_url:"},
		{"APP_GATEWAY__QUERY_URL=/query", "[gateway]: query_url:"},
		{"APP_GATEWAY__QUERY_URL=ftp://query:21", "[gateway]: query_url:"},
		{"APP_GATEWAY__BODY_LIMIT_BYTES=0", "[gateway]: body_limit_bytes:"},
		{"APP_GATEWAY__RATE_LIMIT_PER_SECOND=0", "[gateway]: rate_limit_per_second:"},
		{"APP_GATEWAY__RATE_LIMIT_BURST=-1", "[gateway]: rate_limit_burst:"},
		{"APP_GATEWAY__GUEST_TOKENS_PER_MINUTE=0", "[gateway]: guest_tokens_per_minute:"},
		{"APP_GATEWAY__UPSTREAM_TIMEOUT=0s", "[gateway]: upstream_timeout:"},
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
// token, reports ready and stops cleanly.
func TestRun(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer up.Close()
	port := freePort(t)
	env := []string{
		fmt.Sprintf("APP_SERVER__PORT=%d", port),
		"APP_GATEWAY__COMMAND_URL=" + up.URL, "APP_GATEWAY__QUERY_URL=" + up.URL,
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
	if res, err := http.Post(base+"/v1/auth/guest", "application/json", nil); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/auth/guest: %v %v", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
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
