package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/altisair/altis/services/gateway/internal/auth"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func settings(now time.Time) auth.Settings {
	return auth.Settings{Secret: secret, Issuer: "iss", Audience: "aud", TTL: time.Hour, Leeway: 30 * time.Second,
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
