package http_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/altisair/altis/pkg/platform/auth/authtest"
)

// Every forged guest token gets 401 in the one error shape on every kind
// of guest route, and reaches no service.
func TestForgedTokensAreRefused(t *testing.T) {
	h := newHarness(t, options{})
	routes := []struct{ method, path, body string }{
		{http.MethodPost, "/v1/holds/trip", "{}"},
		{http.MethodGet, "/v1/bookings/b1", ""},
		{http.MethodPost, ticketPath(flight), ""},
		{http.MethodGet, streamPath(flight), ""},
	}
	for _, f := range authtest.Tokens(t, authSettings()) {
		t.Run(f.Name, func(t *testing.T) {
			for _, r := range routes {
				res := h.do(t, r.method, r.path, r.body, bearer(f.Token)...)
				if e := wantError(t, res, http.StatusUnauthorized, "invalid_token"); e.Message != "token invalid" && e.Message != "token expired" {
					t.Errorf("%s %s: message %q", r.method, r.path, e.Message)
				}
			}
		})
	}
	if n := len(h.command.requests()) + len(h.query.requests()); n != 0 {
		t.Fatalf("forged tokens reached a service %d times", n)
	}
}

// Every forged stream ticket gets 401 in the one error shape.
func TestForgedTicketsAreRefused(t *testing.T) {
	h := newHarness(t, options{})
	for _, f := range authtest.Tickets(t, authSettings(), flight) {
		t.Run(f.Name, func(t *testing.T) {
			res := h.do(t, http.MethodGet, streamPath(flight)+"?ticket="+url.QueryEscape(f.Token), "")
			wantError(t, res, http.StatusUnauthorized, "invalid_token")
		})
	}
	if n := len(h.query.requests()); n != 0 {
		t.Fatalf("forged tickets reached the query service %d times", n)
	}
}
