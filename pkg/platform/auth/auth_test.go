package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/altisair/altis/pkg/platform/auth"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func settings(now time.Time) auth.Settings {
	return auth.Settings{Secret: secret, KeyID: "k1", Issuer: "iss", Audience: "aud", TTL: time.Hour, Leeway: 30 * time.Second,
		Now: func() time.Time { return now }}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, _ := auth.NewIssuer(settings(now))
	ver, _ := auth.NewVerifier(settings(now.Add(59 * time.Minute)))
	tok, err := iss.Issue()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.GuestID, auth.GuestPrefix) || !tok.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("token %+v", tok)
	}
	sub, err := ver.Verify(tok.Value)
	if err != nil || sub != tok.GuestID {
		t.Fatalf("Verify = %q, %v; want %q", sub, err, tok.GuestID)
	}
	parsed, _ := jwt.ParseInsecure([]byte(tok.Value))
	for _, c := range []string{"sub", "iat", "exp", "jti", "iss", "aud"} {
		if !parsed.Has(c) {
			t.Errorf("issued token lacks %s", c)
		}
	}
	second, _ := iss.Issue()
	if second.GuestID == tok.GuestID {
		t.Error("two tokens share a guest id")
	}
}

func TestVerifyTimes(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, _ := auth.NewIssuer(settings(now))
	tok, _ := iss.Issue()
	cases := []struct {
		name string
		at   time.Time
		want error
	}{
		{"expired within leeway", now.Add(time.Hour + 20*time.Second), nil},
		{"expired beyond leeway", now.Add(time.Hour + 31*time.Second), auth.ErrExpired},
		{"iat ahead within leeway", now.Add(-20 * time.Second), nil},
		{"iat ahead beyond leeway", now.Add(-31 * time.Second), auth.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ver, _ := auth.NewVerifier(settings(c.at))
			_, err := ver.Verify(tok.Value)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestReasons(t *testing.T) {
	now := time.Now()
	ver, _ := auth.NewVerifier(settings(now))
	other, _ := jwt.NewBuilder().Subject("x").Build()
	foreign, _ := jwt.Sign(other, jwt.WithKey(jwa.HS256(), []byte("another-secret-another-secret-xx")))
	cases := map[string]string{"": "missing", "Basic abc": "malformed", "Bearer a.b": "malformed",
		"Bearer " + string(foreign): "invalid"}
	for header, want := range cases {
		_, err := auth.BearerToken(header)
		if err == nil {
			raw, _ := auth.BearerToken(header)
			_, err = ver.Verify(raw)
		}
		if got := auth.Reason(err); got != want {
			t.Errorf("%q: reason %q (%v), want %q", header, got, err, want)
		}
	}
}

func TestRefusesWeakSettings(t *testing.T) {
	s := settings(time.Now())
	s.Secret = []byte("short")
	if _, err := auth.NewIssuer(s); err == nil {
		t.Error("issuer accepted a short secret")
	}
	if _, err := auth.NewVerifier(s); err == nil {
		t.Error("verifier accepted a short secret")
	}
}

// signClaims signs hand-made claims with the test secret (or key), under
// the kid k1.
func signClaims(t testing.TB, secret []byte, c map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range c {
		if err := tok.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	key, err := jwk.Import(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Set(jwk.KeyIDKey, "k1"); err != nil {
		t.Fatal(err)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256(), key))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ticketClaims are a valid ticket's claims for flight f1 at now.
func ticketClaims(now time.Time, change map[string]any, drop ...string) map[string]any {
	c := map[string]any{
		"sub": "g_1", "iat": now, "exp": now.Add(time.Minute), "jti": "j1",
		"iss": "iss", "aud": []string{"aud:stream"}, "flt": "f1",
	}
	for k, v := range change {
		c[k] = v
	}
	for _, k := range drop {
		delete(c, k)
	}
	return c
}

func TestTicketRoundTrip(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, _ := auth.NewIssuer(settings(now))
	ver, _ := auth.NewVerifier(settings(now.Add(30 * time.Second)))
	tk, err := iss.IssueTicket("g_1", "f1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if tk.GuestID != "g_1" || !tk.ExpiresAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("ticket %+v", tk)
	}
	if sub, err := ver.VerifyTicket(tk.Value, "f1"); err != nil || sub != "g_1" {
		t.Fatalf("VerifyTicket = %q, %v; want g_1", sub, err)
	}
	parsed, _ := jwt.ParseInsecure([]byte(tk.Value))
	aud, _ := parsed.Audience()
	var flt string
	if err := parsed.Get("flt", &flt); err != nil || flt != "f1" || len(aud) != 1 || aud[0] != "aud:stream" {
		t.Fatalf("flt %q (%v), aud %v", flt, err, aud)
	}
	for _, c := range []string{"sub", "iat", "exp", "jti", "iss", "aud"} {
		if !parsed.Has(c) {
			t.Errorf("ticket lacks %s", c)
		}
	}
}

func TestIssueTicketRefusesBadArguments(t *testing.T) {
	iss, _ := auth.NewIssuer(settings(time.Now()))
	cases := []struct {
		name, guest, flight string
		ttl                 time.Duration
	}{
		{"no guest", "", "f1", time.Minute},
		{"no flight", "g_1", "", time.Minute},
		{"zero ttl", "g_1", "f1", 0},
		{"negative ttl", "g_1", "f1", -time.Second},
		{"ttl over the maximum", "g_1", "f1", auth.MaxTicketTTL + time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := iss.IssueTicket(c.guest, c.flight, c.ttl); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestVerifyTicket(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, _ := auth.NewIssuer(settings(now))
	ver, _ := auth.NewVerifier(settings(now))
	guest, _ := iss.Issue()
	other := []byte("another-secret-another-secret-xx")
	cases := []struct {
		name, raw, flight string
		want              error
	}{
		{"valid", signClaims(t, secret, ticketClaims(now, nil)), "f1", nil},
		{"a guest token", guest.Value, "f1", auth.ErrInvalid},
		{"another flight", signClaims(t, secret, ticketClaims(now, nil)), "f2", auth.ErrInvalid},
		{"no flight asked", signClaims(t, secret, ticketClaims(now, nil)), "", auth.ErrInvalid},
		{"flt not a string", signClaims(t, secret, ticketClaims(now, map[string]any{"flt": 7})), "7", auth.ErrInvalid},
		{"guest audience", signClaims(t, secret, ticketClaims(now, map[string]any{"aud": []string{"aud"}})), "f1", auth.ErrInvalid},
		{"wrong issuer", signClaims(t, secret, ticketClaims(now, map[string]any{"iss": "x"})), "f1", auth.ErrInvalid},
		{"another key", signClaims(t, other, ticketClaims(now, nil)), "f1", auth.ErrInvalid},
		{"expired", signClaims(t, secret, ticketClaims(now, map[string]any{"exp": now.Add(-time.Minute)})), "f1", auth.ErrExpired},
		{"empty sub", signClaims(t, secret, ticketClaims(now, map[string]any{"sub": ""})), "f1", auth.ErrInvalid},
		{"oversized", strings.Repeat("a", 5000) + ".b.c", "f1", auth.ErrMalformed},
		{"not three parts", "a.b", "f1", auth.ErrMalformed},
		{"garbage", "a.b.c", "f1", auth.ErrInvalid},
	}
	for _, name := range []string{"sub", "iat", "exp", "jti", "iss", "aud", "flt"} {
		cases = append(cases, struct {
			name, raw, flight string
			want              error
		}{"missing " + name, signClaims(t, secret, ticketClaims(now, nil, name)), "f1", auth.ErrInvalid})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub, err := ver.VerifyTicket(c.raw, c.flight)
			if !errors.Is(err, c.want) || (c.want == nil && (err != nil || sub != "g_1")) {
				t.Fatalf("VerifyTicket = %q, %v; want %v", sub, err, c.want)
			}
		})
	}
}

func TestVerifyRefusesTickets(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, _ := auth.NewIssuer(settings(now))
	ver, _ := auth.NewVerifier(settings(now))
	tk, _ := iss.IssueTicket("g_1", "f1", time.Minute)
	cases := []struct {
		name, raw string
		want      error
	}{
		{"issued ticket", tk.Value, auth.ErrInvalid},
		{"hand-made ticket", signClaims(t, secret, ticketClaims(now, nil)), auth.ErrInvalid},
		{"oversized", strings.Repeat("a", 5000) + ".b.c", auth.ErrMalformed},
		{"not three parts", "a.b.c.d", auth.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if sub, err := ver.Verify(c.raw); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %q, %v; want %v", sub, err, c.want)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	good := auth.Config{JWTKeyID: "k1", JWTSecret: string(secret), Issuer: "iss", Audience: "aud", TokenTTL: time.Hour, Leeway: time.Second}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if _, err := auth.NewVerifier(good.Settings()); err != nil {
		t.Fatalf("Settings of a valid config: %v", err)
	}
	other := "another-secret-another-secret-xx"
	cases := []struct {
		key    string
		change func(*auth.Config)
	}{
		{"jwt_secret", func(c *auth.Config) { c.JWTSecret = "short" }},
		{"jwt_kid", func(c *auth.Config) { c.JWTKeyID = "" }},
		{"jwt_kid", func(c *auth.Config) { c.JWTKeyID = "k 1" }},
		{"jwt_kid", func(c *auth.Config) { c.JWTKeyID = strings.Repeat("k", 65) }},
		{"previous_jwt_kid", func(c *auth.Config) { c.PreviousJWTSecret = other }},
		{"previous_jwt_kid", func(c *auth.Config) { c.PreviousJWTKeyID, c.PreviousJWTSecret = "k1", other }},
		{"previous_jwt_secret", func(c *auth.Config) { c.PreviousJWTKeyID = "k0" }},
		{"previous_jwt_secret", func(c *auth.Config) { c.PreviousJWTKeyID, c.PreviousJWTSecret = "k0", "short" }},
		{"previous_jwt_secret", func(c *auth.Config) { c.PreviousJWTKeyID, c.PreviousJWTSecret = "k0", c.JWTSecret }},
		{"issuer", func(c *auth.Config) { c.Issuer = "" }},
		{"audience", func(c *auth.Config) { c.Audience = "" }},
		{"token_ttl", func(c *auth.Config) { c.TokenTTL = 0 }},
		{"leeway", func(c *auth.Config) { c.Leeway = 6 * time.Minute }},
	}
	for i, tc := range cases {
		c := good
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.key+":") {
			t.Errorf("case %d: err %v, want one naming %s", i, err, tc.key)
		}
	}
	rotating := good
	rotating.PreviousJWTKeyID, rotating.PreviousJWTSecret = "k0", other
	if err := rotating.Validate(); err != nil {
		t.Fatalf("a rotation: %v", err)
	}
	if s := rotating.Settings(); len(s.Previous) != 1 || s.Previous[0].ID != "k0" || string(s.Previous[0].Secret) != other {
		t.Fatalf("Settings of a rotation: %+v", s.Previous)
	}
}

// A verified token is remembered, but never past its expiry (with the
// leeway), and a refused one is never remembered.
func TestVerifiedTokensExpireFromTheCache(t *testing.T) {
	issued := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	now := issued
	s := settings(issued)
	s.Now = func() time.Time { return now }
	iss, _ := auth.NewIssuer(settings(issued))
	ver, _ := auth.NewVerifier(s)
	tok, _ := iss.Issue()
	for _, at := range []time.Duration{0, 30 * time.Minute, time.Hour + 29*time.Second} {
		now = issued.Add(at)
		if _, err := ver.Verify(tok.Value); err != nil {
			t.Fatalf("at +%v: %v", at, err)
		}
	}
	now = issued.Add(time.Hour + 31*time.Second)
	if _, err := ver.Verify(tok.Value); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("a remembered token outlived its expiry: %v", err)
	}
	forged := tok.Value[:len(tok.Value)-2] + "xx"
	now = issued
	for range 2 {
		if _, err := ver.Verify(forged); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("forged signature: %v", err)
		}
	}
}
