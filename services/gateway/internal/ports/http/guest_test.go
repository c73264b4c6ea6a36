package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/altisair/altis/services/gateway/internal/limits"
)

func TestGuestTokenRoundTrip(t *testing.T) {
	h := newHarness(t, options{})
	res := h.do(t, http.MethodPost, "/v1/auth/guest", "")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", res.StatusCode, readBody(t, res))
	}
	var out map[string]string
	must(t, json.NewDecoder(res.Body).Decode(&out))
	if len(out) != 2 || out["token"] == "" {
		t.Fatalf("body %v, want exactly token and expires_at", out)
	}
	exp, err := time.Parse(time.RFC3339, out["expires_at"])
	if err != nil || !strings.HasSuffix(out["expires_at"], "Z") {
		t.Fatalf("expires_at %q is not RFC 3339 UTC: %v", out["expires_at"], err)
	}
	if d := time.Until(exp); d < 59*time.Minute || d > time.Hour+time.Second {
		t.Fatalf("expires in %v, want the 1h ttl", d)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("token answer may be cached")
	}
	parsed, err := jwt.ParseInsecure([]byte(out["token"]))
	must(t, err)
	sub, _ := parsed.Subject()

	res = h.do(t, http.MethodGet, "/v1/holds/trip/t1", "", bearer(out["token"])...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("issued token refused: %d %s", res.StatusCode, readBody(t, res))
	}
	if !strings.HasPrefix(sub, "g_") {
		t.Fatalf("token sub %q", sub)
	}
	if got := h.command.last(t).Header.Get("Authorization"); got != "Bearer "+out["token"] {
		t.Fatalf("Authorization %q reached the command service, want the issued token", got)
	}
}

func TestGuestTokenBody(t *testing.T) {
	h := newHarness(t, options{})
	cases := []struct {
		body string
		ok   bool
	}{
		{"", true}, {"{}", true}, {" { }\n", true},
		{`{"name":"x"}`, false}, {"[]", false}, {"null", false}, {"x", false}, {"{}{}", false}, {"{", false},
	}
	for _, c := range cases {
		res := h.do(t, http.MethodPost, "/v1/auth/guest", c.body)
		if c.ok && res.StatusCode != http.StatusCreated {
			t.Errorf("body %q: status %d, want 201", c.body, res.StatusCode)
		}
		if !c.ok {
			wantError(t, res, http.StatusBadRequest, "invalid_request")
		}
	}
}

func TestGuestTokensRateLimited(t *testing.T) {
	h := newHarness(t, options{budgets: []limits.Budget{{Name: limits.Tokens, PerSecond: 1.0 / 60, Burst: 2}}})
	for range 2 {
		if res := h.do(t, http.MethodPost, "/v1/auth/guest", ""); res.StatusCode != http.StatusCreated {
			t.Fatalf("status %d inside the budget", res.StatusCode)
		}
	}
	res := h.do(t, http.MethodPost, "/v1/auth/guest", "")
	wantError(t, res, http.StatusTooManyRequests, "rate_limited")
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	// Other routes keep their own budget.
	if res := h.do(t, http.MethodPost, "/v1/flights/search", "{}"); res.StatusCode != http.StatusOK {
		t.Fatalf("search status %d after the token budget ran out", res.StatusCode)
	}
}

// TestGuestTokenBodyMediaType: a body declared as anything but JSON is a
// 415; an empty body needs no type.
func TestGuestTokenBodyMediaType(t *testing.T) {
	h := newHarness(t, options{})
	for _, c := range []struct {
		body, ct string
		want     int
	}{{"{}", "text/plain", 415}, {"{}", "application/json", 201}, {"", "text/plain", 201}, {"{}", "", 201}} {
		var res *http.Response
		if c.ct == "" {
			res = h.do(t, http.MethodPost, "/v1/auth/guest", c.body)
		} else {
			res = h.do(t, http.MethodPost, "/v1/auth/guest", c.body, "Content-Type", c.ct)
		}
		if res.StatusCode != c.want {
			t.Errorf("body %q as %q: %d %s, want %d", c.body, c.ct, res.StatusCode, readBody(t, res), c.want)
		}
	}
}
