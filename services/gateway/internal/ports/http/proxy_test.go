package http_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/web"
)

func TestRouting(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	cases := []struct {
		method, path string
		auth         bool
		want         string // upstream name, or an error code
		status       int
	}{
		{"POST", "/v1/flights/search", false, "query", 200},
		{"GET", "/v1/flights/f1/seats", false, "query", 200},
		{"GET", "/v1/flights/f1/stream", true, "query", 200},
		{"POST", "/v1/holds/trip", true, "command", 200},
		{"GET", "/v1/holds/trip/t1", true, "command", 200},
		{"POST", "/v1/holds/trip/t1/passengers", true, "command", 200},
		{"POST", "/v1/holds/seat", true, "command", 200},
		{"DELETE", "/v1/holds/seat", true, "command", 200},
		{"POST", "/v1/bookings/commit", true, "command", 200},
		{"GET", "/v1/bookings/b1", true, "command", 200},
		{"POST", "/v1/bookings/b1/cancel", true, "command", 200},
		{"GET", "/v1/nothing", true, "not_found", 404},
		{"GET", "/v1", true, "not_found", 404},
		{"GET", "/v1/flights/f1", true, "not_found", 404},
		{"GET", "/v1/holds/../admin", true, "not_found", 404},
		{"GET", "/v1/bookings//b1", true, "not_found", 404},
		{"GET", "/v1/flights/search", false, "method_not_allowed", 405},
		{"PUT", "/v1/holds/seat", true, "method_not_allowed", 405},
		{"DELETE", "/v1/bookings/b1", true, "method_not_allowed", 405},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var hdr []string
			if c.auth {
				hdr = bearer(tok)
			}
			res := h.do(t, c.method, c.path, "", hdr...)
			if c.status != 200 {
				wantError(t, res, c.status, c.want)
				return
			}
			if body := readBody(t, res); res.StatusCode != 200 || body != `{"upstream":"`+c.want+`"}` {
				t.Fatalf("status %d body %s, want %s", res.StatusCode, body, c.want)
			}
			up := map[string]*upstream{"query": h.query, "command": h.command}[c.want]
			if got := up.last(t); got.Method != c.method || got.Path != c.path {
				t.Fatalf("%s received %s %s", c.want, got.Method, got.Path)
			}
		})
	}
}

func TestForwardedHeaders(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	h.do(t, "POST", "/v1/holds/trip?x=1", `{"flight_ids":["f1"]}`, append(bearer(tok),
		"X-Altis-Guest-Id", "g_someone-else", "X-Request-Id", "req-123", "Idempotency-Key", "idem-1")...)
	got := h.command.last(t)
	checks := map[string][2]string{
		"authorization unchanged": {strings.Join(got.Header.Values("Authorization"), ","), "Bearer " + tok},
		"guest header stripped":   {strings.Join(got.Header.Values(guestHeader), ","), ""},
		"request id":              {got.Header.Get(web.HeaderRequestID), "req-123"},
		"idempotency key":         {got.Header.Get("Idempotency-Key"), "idem-1"},
		"body":                    {got.Body, `{"flight_ids":["f1"]}`},
		"query string":            {got.Query, "x=1"},
		"x-forwarded-for":         {got.Header.Get("X-Forwarded-For"), "127.0.0.1"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: %q, want %q", name, c[0], c[1])
		}
	}
}

func TestPublicRouteCarriesNoGuestHeader(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	res := h.do(t, "GET", "/v1/flights/f1/seats", "", append(bearer(tok), "X-Altis-Guest-Id", "g_spoofed", "Last-Event-ID", "7")...)
	got := h.query.last(t)
	if g := got.Header.Get(guestHeader); g != "" {
		t.Errorf("spoofed guest header reached query: %q", g)
	}
	if a := got.Header.Get("Authorization"); a != "Bearer "+tok {
		t.Errorf("Authorization %q reached query, want it unchanged", a)
	}
	if id := got.Header.Get(web.HeaderRequestID); id == "" || id != res.Header.Get(web.HeaderRequestID) {
		t.Errorf("generated request id %q not forwarded (answer carries %q)", id, res.Header.Get(web.HeaderRequestID))
	}
	if got.Header.Get("Last-Event-ID") != "7" {
		t.Error("Last-Event-ID not forwarded")
	}
}

// guestHeader is the identity header the gateway once set; it must never
// reach a service from a client.
const guestHeader = "X-Altis-Guest-Id"

func TestUpstreamAnswerPassesThrough(t *testing.T) {
	const envelope = `{"error":{"code":"seat_unavailable","message":"taken","request_id":"up"}}`
	h := newHarness(t, options{command: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(web.HeaderRequestID, r.Header.Get(web.HeaderRequestID))
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, envelope)
	}})
	tok, _ := h.token(t)
	res := h.do(t, "POST", "/v1/holds/seat", "{}", bearer(tok)...)
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || body != envelope {
		t.Fatalf("status %d body %s", res.StatusCode, body)
	}
	if n := len(res.Header.Values(web.HeaderRequestID)); n != 1 {
		t.Errorf("%d X-Request-Id headers, want 1", n)
	}
	if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("upstream CORS header passed: %q", v)
	}
}

func TestUpstreamDown(t *testing.T) {
	h := newHarness(t, options{commandDown: true})
	tok, _ := h.token(t)
	e := wantError(t, h.do(t, "GET", "/v1/bookings/b1", "", bearer(tok)...), http.StatusBadGateway, "upstream_unavailable")
	if strings.Contains(e.Message, "127.0.0.1") || strings.Contains(e.Message, "refused") {
		t.Errorf("message leaks the cause: %q", e.Message)
	}
}

func TestUpstreamTimeout(t *testing.T) {
	h := newHarness(t, options{timeout: 100 * time.Millisecond, query: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}})
	wantError(t, h.do(t, "POST", "/v1/flights/search", "{}"), http.StatusGatewayTimeout, "upstream_timeout")
}

// sseUpstream writes one event, flushes, then holds the stream open until
// release is closed (or the client leaves).
func sseUpstream(release <-chan struct{}, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		time.Sleep(delay)
		_, _ = io.WriteString(w, "id: 1\nevent: seat_held\ndata: {\"seat\":\"12A\"}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}

// firstEvent opens the stream through the gateway and reads one event (up
// to the blank line). The upstream holds the stream open after it, so a
// gateway that buffers headers or data never delivers it: the deadline fails
// the test and cancelling the request unblocks everything.
func firstEvent(t *testing.T, h *harness, within time.Duration) string {
	t.Helper()
	tok, _ := h.token(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.url+"/v1/flights/f1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	got := make(chan string, 1)
	go func() { got <- readEvent(req) }()
	select {
	case ev := <-got:
		return ev
	case <-time.After(within):
		t.Fatal("no event through the gateway while the upstream holds the stream open: buffered")
		return ""
	}
}

func readEvent(req *http.Request) string {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		return fmt.Sprintf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var b strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() && sc.Text() != "" {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

func TestStreamIsUnbuffered(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := newHarness(t, options{query: sseUpstream(release, 0)})
	if ev := firstEvent(t, h, 3*time.Second); !strings.Contains(ev, "event: seat_held") {
		t.Fatalf("event %q", ev)
	}
}

func TestStreamHasNoUpstreamTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := newHarness(t, options{timeout: 50 * time.Millisecond, query: sseUpstream(release, 300*time.Millisecond)})
	if ev := firstEvent(t, h, 3*time.Second); !strings.Contains(ev, "id: 1") {
		t.Fatalf("event %q after the upstream timeout", ev)
	}
}

// An upstream's interim "100 Continue" (a client sent Expect:
// 100-continue) never replaces the final answer's status.
func TestInterimResponseDoesNotReplaceTheStatus(t *testing.T) {
	const envelope = `{"error":{"code":"invalid_request","message":"bad","request_id":"up"}}`
	h := newHarness(t, options{command: func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the upstream server sends 100 Continue here
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, envelope)
	}})
	tok, _ := h.token(t)
	for _, chunked := range []bool{false, true} {
		req, err := http.NewRequest("POST", h.url+"/v1/holds/seat", strings.NewReader(`{"trip_id":"x"}`))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Expect", "100-continue")
		if chunked {
			req.ContentLength = -1
		}
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		body := readBody(t, res)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || body != envelope {
			t.Fatalf("chunked %v: status %d body %q, want 400 and the upstream's envelope", chunked, res.StatusCode, body)
		}
	}
}

// A chunked body over the limit, sent after Expect: 100-continue, is 413 in
// the one shape, not a 200.
func TestOversizedChunkedBodyAfterContinueIs413(t *testing.T) {
	h := newHarness(t, options{command: func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
	}})
	tok, _ := h.token(t)
	req, err := http.NewRequest("POST", h.url+"/v1/holds/seat", strings.NewReader(strings.Repeat("x", 1<<20)))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = -1
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	wantError(t, res, http.StatusRequestEntityTooLarge, "body_too_large")
}
