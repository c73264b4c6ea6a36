package http_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestRateLimitAfterBurst(t *testing.T) {
	h := newHarness(t, options{rate: 0.01, burst: 3})
	for i := range 3 {
		if res := h.do(t, "POST", "/v1/flights/search", "{}"); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d inside the burst: %d", i, res.StatusCode)
		}
	}
	res := h.do(t, "POST", "/v1/flights/search", "{}")
	e := wantError(t, res, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 100 {
		t.Fatalf("Retry-After %q, want 1..100 s at 0.01/s", res.Header.Get("Retry-After"))
	}
	if e.Message == "" {
		t.Error("empty message")
	}
	if n := len(h.query.requests()); n != 3 {
		t.Fatalf("query received %d requests, want 3", n)
	}
	// Unknown /v1 paths spend the same budget; /healthz does not.
	wantError(t, h.do(t, "GET", "/v1/nothing", ""), http.StatusTooManyRequests, "rate_limited")
	if res := h.do(t, "GET", "/healthz", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", res.StatusCode)
	}
}

// unsized hides the length so the client sends the body chunked.
type unsized struct{ io.Reader }

func post(t *testing.T, h *harness, path string, body io.Reader, chunked bool, header ...string) *http.Response {
	t.Helper()
	if chunked {
		body = unsized{body}
	}
	req, err := http.NewRequest("POST", h.url+path, body)
	must(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if chunked && req.ContentLength != -1 && req.ContentLength != 0 {
		t.Fatalf("content length %d, want unknown", req.ContentLength)
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestBodyLimit(t *testing.T) {
	const limit = 1024
	h := newHarness(t, options{bodyLimit: limit})
	tok, _ := h.token(t)
	big := bytes.Repeat([]byte("x"), 4*limit)
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "content-length", true: "chunked"}[chunked]
		t.Run(name+" over limit", func(t *testing.T) {
			before := h.command.started()
			res := post(t, h, "/v1/holds/trip", bytes.NewReader(big), chunked, bearer(tok)...)
			wantError(t, res, http.StatusRequestEntityTooLarge, "body_too_large")
			if !chunked && h.command.started() != before {
				t.Error("a declared over-limit body was sent upstream")
			}
		})
		t.Run(name+" at limit", func(t *testing.T) {
			res := post(t, h, "/v1/holds/trip", bytes.NewReader(big[:limit]), chunked, bearer(tok)...)
			if res.StatusCode != http.StatusOK || len(h.command.last(t).Body) != limit {
				t.Fatalf("status %d, upstream got %d bytes", res.StatusCode, len(h.command.last(t).Body))
			}
		})
		t.Run(name+" guest token", func(t *testing.T) {
			body := "{" + strings.Repeat(" ", 2*limit) + "}"
			wantError(t, post(t, h, "/v1/auth/guest", strings.NewReader(body), chunked),
				http.StatusRequestEntityTooLarge, "body_too_large")
		})
	}
	for _, r := range h.command.requests() {
		if len(r.Body) > limit {
			t.Fatalf("command received a %d-byte body", len(r.Body))
		}
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t, options{corsOrigins: []string{"https://app.example"}})
	res := h.do(t, "OPTIONS", "/v1/holds/trip", "", "Origin", "https://app.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,idempotency-key")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	res = h.do(t, "POST", "/v1/flights/search", "{}", "Origin", "https://app.example")
	expose := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
	if !strings.Contains(expose, "x-request-id") || !strings.Contains(expose, "retry-after") {
		t.Fatalf("expose headers %q", expose)
	}
	res = h.do(t, "POST", "/v1/flights/search", "{}", "Origin", "https://other.example")
	if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("foreign origin allowed: %q", v)
	}
}
