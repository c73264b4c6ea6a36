package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/web"
)

// lockedBuffer is a log sink several goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogged(o web.Options) (*web.Server, *lockedBuffer) {
	var buf lockedBuffer
	o.Service = "t"
	o.Log = logging.New(&buf, logging.Config{Level: "debug", Format: "json"}, "t")
	s := web.New(o)
	s.Echo.GET("/ok", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"n": 1}) })
	s.Echo.POST("/only-post", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	s.Echo.GET("/panic", func(echo.Context) error { panic("db password is hunter2") })
	s.Echo.GET("/echo-500", func(echo.Context) error {
		return echo.NewHTTPError(http.StatusInternalServerError, "dial tcp 10.0.0.7:5432: hunter2")
	})
	s.Echo.GET("/cached", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.String(http.StatusOK, "{}")
	})
	return s, &buf
}

// serveOn answers one request through h.
func serveOn(h http.Handler, method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set(web.HeaderRequestID, "req-9")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEveryErrorHasTheOneShape covers what no handler returns: echo's
// router 404 and 405, a panic and an echo 5xx, on the public listener and
// the admin one.
func TestEveryErrorHasTheOneShape(t *testing.T) {
	s, _ := newLogged(web.Options{PrivateMetrics: true})
	cases := []struct {
		name    string
		h       http.Handler
		method  string
		path    string
		status  int
		code    string
		message string
	}{
		{"router 404", s.Echo, "GET", "/nowhere", 404, "not_found", "not found"},
		{"router 405", s.Echo, "GET", "/only-post", 405, "method_not_allowed", "method not allowed"},
		{"panic", s.Echo, "GET", "/panic", 500, "internal", "internal error"},
		{"echo 5xx", s.Echo, "GET", "/echo-500", 500, "internal", "internal error"},
		{"admin 404", s.Admin(), "GET", "/nowhere", 404, "not_found", "not found"},
		{"admin 405", s.Admin(), "POST", "/metrics", 405, "method_not_allowed", "method not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveOn(tc.h, tc.method, tc.path)
			var env struct {
				Error map[string]any `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error == nil {
				t.Fatalf("%d %q is not the envelope: %v", rec.Code, rec.Body.String(), err)
			}
			if rec.Code != tc.status || env.Error["message"] != tc.message || env.Error["request_id"] != "req-9" {
				t.Fatalf("got %d %v, want %d %q with the request id", rec.Code, env.Error, tc.status, tc.message)
			}
			if env.Error["code"] != tc.code {
				t.Fatalf("code %v, want %s", env.Error["code"], tc.code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("the body leaked internals: %s", rec.Body.String())
			}
		})
	}
}

func TestAPanicLogsItsStack(t *testing.T) {
	s, logs := newLogged(web.Options{})
	if rec := serveOn(s.Echo, "GET", "/panic"); rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	var line struct {
		Msg, Panic, Stack, RequestID string
	}
	for l := range strings.Lines(logs.String()) {
		if err := json.Unmarshal([]byte(l), &line); err == nil && line.Msg == "panic" {
			break
		}
	}
	if line.Panic != "db password is hunter2" || !strings.Contains(line.Stack, "shape_test.go") {
		t.Fatalf("panic line %+v lacks the panic or the stack; log:\n%s", line, logs.String())
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	s, _ := newLogged(web.Options{PrivateMetrics: true})
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-store",
	}
	for _, tc := range []struct {
		name         string
		h            http.Handler
		method, path string
	}{
		{"ok", s.Echo, "GET", "/ok"}, {"404", s.Echo, "GET", "/nowhere"}, {"405", s.Echo, "GET", "/only-post"},
		{"panic", s.Echo, "GET", "/panic"}, {"healthz", s.Echo, "GET", "/healthz"},
		{"admin metrics", s.Admin(), "GET", "/metrics"}, {"admin 404", s.Admin(), "GET", "/x"},
	} {
		rec := serveOn(tc.h, tc.method, tc.path)
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if rec.Header().Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", tc.name)
		}
	}
	if got := serveOn(s.Echo, "GET", "/cached").Header().Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("a handler's own Cache-Control was replaced: %q", got)
	}
	req := httptest.NewRequest("GET", "https://api.example/ok", nil)
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS on a request that came over TLS")
	}
}
