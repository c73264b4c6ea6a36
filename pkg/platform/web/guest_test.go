package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/web"
)

func authSettings(audience string, now time.Time) auth.Settings {
	return auth.Settings{Secret: []byte("0123456789abcdef0123456789abcdef"), KeyID: "k1", Issuer: "iss", Audience: audience,
		TTL: time.Hour, Leeway: time.Second, Now: func() time.Time { return now }}
}

// guestServer serves GET /flights/:id/stream twice: under /bearer with
// RequireGuest and under /either with RequireGuestOrTicket; both answer the
// guest id.
func guestServer(t *testing.T) (*web.Server, *auth.Issuer) {
	t.Helper()
	now := time.Now()
	ver, err := auth.NewVerifier(authSettings("aud", now))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := auth.NewIssuer(authSettings("aud", now))
	if err != nil {
		t.Fatal(err)
	}
	s := newServer()
	mine := func(c echo.Context) error { return c.String(http.StatusOK, web.GuestID(c)) }
	s.Echo.GET("/bearer/flights/:id/stream", mine, web.RequireGuest(ver))
	s.Echo.GET("/either/flights/:id/stream", mine, web.RequireGuestOrTicket(ver, "id"))
	return s, iss
}

// valueOf returns a function that fails t on an issuing error and
// otherwise returns the token's value.
func valueOf(t *testing.T) func(auth.Token, error) string {
	return func(tok auth.Token, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok.Value
	}
}

type guestCase struct {
	name, path, header string
	status             int
	body               string // the guest id, or the error message
}

func TestRequireGuest(t *testing.T) {
	s, iss := guestServer(t)
	guest, err := iss.Issue()
	if err != nil {
		t.Fatal(err)
	}
	value := valueOf(t)
	ticket := value(iss.IssueTicket(guest.GuestID, "f1", time.Minute))
	stranger, _ := auth.NewIssuer(authSettings("other-aud", time.Now()))
	foreign := value(stranger.Issue())
	expired, _ := auth.NewIssuer(authSettings("aud", time.Now().Add(-2*time.Hour)))
	old := value(expired.Issue())
	const p = "/bearer/flights/f1/stream"
	runGuestCases(t, s, []guestCase{
		{"valid token", p, "Bearer " + guest.Value, 200, guest.GuestID},
		{"no header", p, "", 401, "a guest token is required"},
		{"not bearer", p, "Basic abc", 401, "token invalid"},
		{"garbage", p, "Bearer a.b.c", 401, "token invalid"},
		{"another audience", p, "Bearer " + foreign, 401, "token invalid"},
		{"expired", p, "Bearer " + old, 401, "token expired"},
		{"a ticket as bearer", p, "Bearer " + ticket, 401, "token invalid"},
		{"a ticket in the query", p + "?ticket=" + ticket, "", 401, "a guest token is required"},
	})
}

func TestRequireGuestOrTicket(t *testing.T) {
	s, iss := guestServer(t)
	guest, err := iss.Issue()
	if err != nil {
		t.Fatal(err)
	}
	ticket := valueOf(t)(iss.IssueTicket(guest.GuestID, "f1", time.Minute))
	const p = "/either/flights/f1/stream"
	runGuestCases(t, s, []guestCase{
		{"bearer token", p, "Bearer " + guest.Value, 200, guest.GuestID},
		{"ticket", p + "?ticket=" + ticket, "", 200, guest.GuestID},
		{"the header wins over a ticket", p + "?ticket=" + ticket, "Bearer a.b.c", 401, "token invalid"},
		{"nothing", p, "", 401, "a guest token is required"},
		{"empty ticket", p + "?ticket=", "", 401, "a guest token is required"},
		{"ticket for another flight", "/either/flights/f2/stream?ticket=" + ticket, "", 401, "token invalid"},
		{"guest token as a ticket", p + "?ticket=" + guest.Value, "", 401, "token invalid"},
		{"garbage ticket", p + "?ticket=a.b.c", "", 401, "token invalid"},
	})
}

func runGuestCases(t *testing.T, s *web.Server, cases []guestCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			if c.header != "" {
				req.Header.Set(echo.HeaderAuthorization, c.header)
			}
			rec := httptest.NewRecorder()
			s.Echo.ServeHTTP(rec, req)
			if c.status == http.StatusOK {
				if rec.Code != http.StatusOK || rec.Body.String() != c.body {
					t.Fatalf("%d %q, want 200 %q", rec.Code, rec.Body.String(), c.body)
				}
				return
			}
			var env web.Envelope
			_ = json.Unmarshal(rec.Body.Bytes(), &env)
			if rec.Code != c.status || env.Error == nil || env.Error.Code != "unauthorized" || env.Error.Message != c.body {
				t.Fatalf("%d %s, want %d unauthorized %q", rec.Code, rec.Body.String(), c.status, c.body)
			}
		})
	}
}
