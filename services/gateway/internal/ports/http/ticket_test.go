package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	gwhttp "github.com/altisair/altis/services/gateway/internal/ports/http"
)

const (
	flight      = "0b8f5a52-3f0c-4a57-9a49-2f3c1d6e7a10"
	otherFlight = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
)

func streamPath(flightID string) string { return "/v1/flights/" + flightID + "/stream" }

func ticketPath(flightID string) string { return "/v1/flights/" + flightID + "/stream-ticket" }

// ticket asks the gateway for a stream ticket and returns it.
func (h *harness) ticket(t *testing.T, tok, flightID string) string {
	t.Helper()
	res := h.do(t, http.MethodPost, ticketPath(flightID), "", bearer(tok)...)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("stream-ticket: status %d %s", res.StatusCode, readBody(t, res))
	}
	var out struct {
		Ticket string `json:"ticket"`
	}
	must(t, json.NewDecoder(res.Body).Decode(&out))
	return out.Ticket
}

func TestStreamTicketIsIssued(t *testing.T) {
	h := newHarness(t, options{})
	tok, guest := h.token(t)
	res := h.do(t, http.MethodPost, ticketPath(flight), "", bearer(tok)...)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", res.StatusCode, readBody(t, res))
	}
	var out map[string]any
	must(t, json.NewDecoder(res.Body).Decode(&out))
	ticket, _ := out["ticket"].(string)
	exp, isNumber := out["expires_at"].(float64)
	if len(out) != 2 || ticket == "" || !isNumber {
		t.Fatalf("body %v, want exactly ticket and a numeric expires_at", out)
	}
	if d := time.Until(time.Unix(int64(exp), 0)); d < gwhttp.TicketTTL-2*time.Second || d > gwhttp.TicketTTL {
		t.Fatalf("expires in %v, want the %v ticket ttl", d, gwhttp.TicketTTL)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("ticket answer may be cached")
	}
	v, err := auth.NewVerifier(authSettings())
	must(t, err)
	if sub, err := v.VerifyTicket(ticket, flight); err != nil || sub != guest {
		t.Fatalf("VerifyTicket = %q, %v; want %q", sub, err, guest)
	}
	if n := len(h.query.requests()) + len(h.command.requests()); n != 0 {
		t.Fatalf("issuing a ticket reached a service %d times", n)
	}
}

func TestStreamTicketRefusals(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	ticket := h.ticket(t, tok, flight)
	cases := []struct {
		name, path, body string
		header           []string
		status           int
		code             string
	}{
		{"no token", ticketPath(flight), "", nil, 401, "unauthorized"},
		{"a ticket as the token", ticketPath(flight), "", bearer(ticket), 401, "invalid_token"},
		{"flight id not a UUID", ticketPath("f1"), "", bearer(tok), 400, "invalid_request"},
		{"a body with fields", ticketPath(flight), `{"flight":"x"}`, bearer(tok), 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := wantError(t, h.do(t, http.MethodPost, c.path, c.body, c.header...), c.status, c.code)
			if c.path == ticketPath("f1") && e.Fields["flight_id"] == "" {
				t.Errorf("fields %v do not name flight_id", e.Fields)
			}
		})
	}
}

func TestStreamAcceptsATicket(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	ticket := h.ticket(t, tok, flight)
	res := h.do(t, http.MethodGet, streamPath(flight)+"?ticket="+url.QueryEscape(ticket), "")
	if body := readBody(t, res); res.StatusCode != http.StatusOK || body != `{"upstream":"query"}` {
		t.Fatalf("status %d body %s", res.StatusCode, body)
	}
	got := h.query.last(t)
	if q, _ := url.ParseQuery(got.Query); got.Path != streamPath(flight) || q.Get("ticket") != ticket {
		t.Fatalf("query received %s?%s, want the ticket passed on for it to verify", got.Path, got.Query)
	}
	if a := got.Header.Get("Authorization"); a != "" {
		t.Errorf("Authorization %q invented for a ticket", a)
	}
}

func TestStreamTicketRejections(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	ticket := h.ticket(t, tok, flight)
	expired := expiredTicket(t, flight)
	cases := []struct {
		name, path string
		header     []string
		code, msg  string
	}{
		{"a ticket for another flight", streamPath(otherFlight) + "?ticket=" + ticket, nil, "invalid_token", "token invalid"},
		{"a guest token as the ticket", streamPath(flight) + "?ticket=" + tok, nil, "invalid_token", "token invalid"},
		{"an expired ticket", streamPath(flight) + "?ticket=" + expired, nil, "invalid_token", "token expired"},
		{"a garbage ticket", streamPath(flight) + "?ticket=a.b.c", nil, "invalid_token", "token invalid"},
		{"an empty ticket", streamPath(flight) + "?ticket=", nil, "unauthorized", "a guest token is required"},
		{"a ticket as the bearer token", streamPath(flight), bearer(ticket), "invalid_token", "token invalid"},
		{"a bad header beside a good ticket", streamPath(flight) + "?ticket=" + ticket, []string{"Authorization", "Bearer x.y.z"}, "invalid_token", "token invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := wantError(t, h.do(t, http.MethodGet, c.path, "", c.header...), http.StatusUnauthorized, c.code)
			if e.Message != c.msg {
				t.Errorf("message %q, want %q", e.Message, c.msg)
			}
		})
	}
	if n := len(h.query.requests()); n != 0 {
		t.Fatalf("query received %d rejected streams", n)
	}
}

func TestTicketsOpenOnlyStreams(t *testing.T) {
	h := newHarness(t, options{})
	tok, _ := h.token(t)
	ticket := h.ticket(t, tok, flight)
	for _, path := range []string{"/v1/bookings/b1?ticket=", "/v1/holds/trip/t1?ticket="} {
		wantError(t, h.do(t, http.MethodGet, path+ticket, ""), http.StatusUnauthorized, "unauthorized")
		wantError(t, h.do(t, http.MethodGet, strings.TrimSuffix(path, "?ticket="), "", bearer(ticket)...),
			http.StatusUnauthorized, "invalid_token")
	}
	if n := len(h.command.requests()); n != 0 {
		t.Fatalf("command received %d requests carrying only a ticket", n)
	}
}

// expiredTicket is a ticket for flightID that expired two minutes ago.
func expiredTicket(t *testing.T, flightID string) string {
	t.Helper()
	s := authSettings()
	s.Now = func() time.Time { return time.Now().Add(-2*time.Minute - gwhttp.TicketTTL) }
	iss, err := auth.NewIssuer(s)
	must(t, err)
	tk, err := iss.IssueTicket("g_old", flightID, gwhttp.TicketTTL)
	must(t, err)
	return tk.Value
}
