package http_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/altisair/altis/services/gateway/internal/limits"
)

// slow is a budget of burst requests and practically no refill.
func slow(name string, burst int) limits.Budget {
	return limits.Budget{Name: name, PerSecond: 0.01, Burst: burst}
}

// wantRate checks the RateLimit-* headers of an answer.
func wantRate(t *testing.T, res *http.Response, limit, remaining int) {
	t.Helper()
	h := res.Header
	reset, err := strconv.Atoi(h.Get("RateLimit-Reset"))
	if h.Get("RateLimit-Limit") != strconv.Itoa(limit) || h.Get("RateLimit-Remaining") != strconv.Itoa(remaining) || err != nil || reset < 1 {
		t.Fatalf("RateLimit-Limit %q Remaining %q Reset %q, want %d, %d and a positive reset",
			h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), limit, remaining)
	}
}

func TestRateLimitAfterBurst(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Search, 3)}})
	for i := range 3 {
		res := h.do(t, "POST", "/v1/flights/search", "{}")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d inside the burst: %d", i, res.StatusCode)
		}
		wantRate(t, res, 3, 2-i)
	}
	res := h.do(t, "POST", "/v1/flights/search", "{}")
	e := wantError(t, res, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 100 {
		t.Fatalf("Retry-After %q, want 1..100 s at 0.01/s", res.Header.Get("Retry-After"))
	}
	wantRate(t, res, 3, 0)
	if e.Message == "" {
		t.Error("empty message")
	}
	if n := len(h.query.requests()); n != 3 {
		t.Fatalf("query received %d requests, want 3", n)
	}
	// Unknown /v1 paths and known ones with another method spend the
	// client's search budget; /healthz does not.
	wantError(t, h.do(t, "GET", "/v1/nothing", ""), http.StatusTooManyRequests, "rate_limited")
	wantError(t, h.do(t, "GET", "/v1/flights/search", ""), http.StatusTooManyRequests, "rate_limited")
	if res := h.do(t, "GET", "/healthz", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", res.StatusCode)
	}
}

// An unknown path spends the search budget too: probing is not free.
func TestUnknownPathsSpendTheSearchBudget(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Search, 2)}})
	for range 2 {
		wantError(t, h.do(t, "GET", "/v1/nothing", ""), http.StatusNotFound, "not_found")
	}
	wantError(t, h.do(t, "POST", "/v1/flights/search", "{}"), http.StatusTooManyRequests, "rate_limited")
}

// Forty guests behind one address (an office, a carrier's NAT) book at
// once: each spends a budget of its own.
func TestGuestsBehindOneAddressHaveTheirOwnBudgets(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Holds, 2), slow(limits.Commits, 1)}})
	const guests = 40
	var wg sync.WaitGroup
	errs := make(chan string, guests*4)
	for range guests {
		tok, _ := h.token(t)
		wg.Go(func() {
			for i, r := range []struct{ method, path string }{
				{"POST", "/v1/holds/trip"}, {"POST", "/v1/holds/seat"}, {"POST", "/v1/bookings/commit"},
			} {
				if res := h.send(r.method, r.path, "{}", bearer(tok)...); res != http.StatusOK {
					errs <- fmt.Sprintf("request %d %s: %d", i, r.path, res)
				}
			}
			if res := h.send("POST", "/v1/holds/seat", "{}", bearer(tok)...); res != http.StatusTooManyRequests {
				errs <- fmt.Sprintf("third hold: %d, want 429", res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Requests with a bad token spend the client address's budget, so a flood
// of them is refused; a guest behind the address keeps its own budget.
func TestBadTokensSpendTheAddressBudget(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Holds, 2), slow(limits.Search, 2)}})
	for path, method := range map[string]string{"/v1/holds/trip": "POST", "/v1/flights/f1/stream-ticket": "POST"} {
		var got []int
		for range 3 {
			got = append(got, h.send(method, path, "{}", bearer("not-a-token")...))
		}
		if fmt.Sprint(got) != "[401 401 429]" {
			t.Fatalf("%s with a bad token: %v, want [401 401 429]", path, got)
		}
	}
	tok, _ := h.token(t)
	if got := h.send("POST", "/v1/holds/trip", "{}", bearer(tok)...); got != http.StatusOK {
		t.Fatalf("a guest behind the same address: %d", got)
	}
}

// send is do for goroutines: it returns the status (or -1) and reports nothing.
func (h *harness) send(method, path, body string, header ...string) int {
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		return -1
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Each route spends its own budget: exhausting one leaves the others.
func TestBudgetsAreIndependent(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{
		slow(limits.Search, 1), slow(limits.Holds, 3), slow(limits.Commits, 1), slow(limits.Tokens, 1),
	}})
	tok, _ := h.token(t)
	auth := bearer(tok)
	steps := []struct {
		method, path string
		want         int
	}{
		{"POST", "/v1/flights/search", 200},
		{"GET", "/v1/flights/f1/seats", 429}, // search: same budget as search
		{"POST", "/v1/auth/guest", 201},
		{"POST", "/v1/auth/guest", 429},
		{"POST", "/v1/bookings/commit", 200},
		{"POST", "/v1/bookings/b1/cancel", 429}, // commits: commit and cancel share
		{"POST", "/v1/holds/trip", 200},         // holds: untouched by the others
		{"GET", "/v1/bookings/b1", 200},         // reading a booking is a holds request
		{"DELETE", "/v1/holds/seat", 200},
		{"POST", "/v1/holds/seat", 429},
	}
	for _, s := range steps {
		if got := h.send(s.method, s.path, "{}", auth...); got != s.want {
			t.Fatalf("%s %s: %d, want %d", s.method, s.path, got, s.want)
		}
	}
}

// Two gateway instances (two servers, two Redis clients) spend one budget.
func TestTwoGatewaysShareOneBudget(t *testing.T) {
	b := []limits.Budget{slow(limits.Search, 4)}
	a := newHarness(t, options{budgets: b})
	z := newHarness(t, options{budgets: b, redis: a.redis})
	allowed := 0
	for i := range 12 {
		h := []*harness{a, z}[i%2]
		switch got := h.send("POST", "/v1/flights/search", "{}"); got {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("status %d", got)
		}
	}
	if allowed != 4 {
		t.Fatalf("%d searches allowed through two gateways, want the one burst of 4", allowed)
	}
}

// X-Forwarded-For names the client only when the peer is a trusted proxy;
// then the right-most address that is not one is the client.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	search := func(h *harness, header ...string) int { return h.send("POST", "/v1/flights/search", "{}", header...) }
	t.Run("untrusted peer", func(t *testing.T) {
		h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Search, 1)}})
		if got := search(h, "X-Forwarded-For", "203.0.113.1"); got != 200 {
			t.Fatalf("first: %d", got)
		}
		for _, spoof := range [][]string{{"X-Forwarded-For", "203.0.113.2"}, {"X-Real-IP", "203.0.113.3"}} {
			if got := search(h, spoof...); got != 429 {
				t.Fatalf("%s from an untrusted peer picked a new budget: %d", spoof[0], got)
			}
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		h := newHarness(t, options{budgets: []limits.Budget{slow(limits.Search, 1)}, trusted: []string{"127.0.0.0/8"}})
		steps := []struct {
			xff  string
			want int
		}{
			{"203.0.113.1", 200},
			{"203.0.113.1", 429},
			{"203.0.113.2", 200},               // another client behind the proxy
			{"198.51.100.9, 203.0.113.2", 429}, // what the client wrote (left) is not believed
			{"203.0.113.3, 127.0.0.5", 200},    // a chain of trusted proxies is skipped
			{"10.1.2.3", 200},                  // a private address is a client like any other
			{"198.51.100.9, 10.1.2.3", 429},    // …not a proxy to look past
		}
		for _, s := range steps {
			if got := search(h, "X-Forwarded-For", s.xff); got != s.want {
				t.Fatalf("X-Forwarded-For %q: %d, want %d", s.xff, got, s.want)
			}
		}
		if got := search(h); got != 200 {
			t.Fatalf("the proxy's own request: %d", got)
		}
	})
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
	for _, want := range []string{"x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} {
		if !strings.Contains(expose, want) {
			t.Fatalf("expose headers %q lack %s", expose, want)
		}
	}
	res = h.do(t, "POST", "/v1/flights/search", "{}", "Origin", "https://other.example")
	if v := res.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("foreign origin allowed: %q", v)
	}
}
