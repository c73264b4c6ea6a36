package http_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// claims are a valid token's claims; tests delete or change one.
func claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"sub": "g_test", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"jti": "jti-1", "iss": "altis-gateway", "aud": []string{"altis-api"},
	}
}

func without(name string) map[string]any {
	c := claims()
	delete(c, name)
	return c
}

func with(name string, v any) map[string]any {
	c := claims()
	c[name] = v
	return c
}

func sign(t *testing.T, alg jwa.SignatureAlgorithm, key any, c map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range c {
		if k == "iat" || k == "exp" {
			v = time.Unix(v.(int64), 0)
		}
		must(t, tok.Set(k, v))
	}
	if secret, ok := key.([]byte); ok { // an HMAC key is named k1, as in authSettings
		named, err := jwk.Import(secret)
		must(t, err)
		must(t, named.Set(jwk.KeyIDKey, "k1"))
		key = named
	}
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	must(t, err)
	return string(b)
}

// unsigned builds {"alg":"none"} by hand: header.claims. with no signature.
func unsigned(t *testing.T, c map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(c)
	must(t, err)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

func TestValidTokenIsAccepted(t *testing.T) {
	h := newHarness(t, options{})
	tok := sign(t, jwa.HS256(), testSecret, claims())
	res := h.do(t, http.MethodGet, "/v1/bookings/b1", "", bearer(tok)...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("hand-made valid token: status %d %s", res.StatusCode, readBody(t, res))
	}
	if got := h.command.last(t).Header.Get("Authorization"); got != "Bearer "+tok {
		t.Fatalf("Authorization %q reached the command service, want the token unchanged", got)
	}
}

func TestTokenRejections(t *testing.T) {
	h := newHarness(t, options{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	hs := func(c map[string]any) string { return sign(t, jwa.HS256(), testSecret, c) }
	cases := []struct {
		name, header, code, message string
	}{
		{"missing header", "", "unauthorized", "a guest token is required"},
		{"not bearer", "Basic dXNlcjpwYXNz", "invalid_token", "token invalid"},
		{"bearer without token", "Bearer ", "invalid_token", "token invalid"},
		{"not a jwt", "Bearer not-a-jwt", "invalid_token", "token invalid"},
		{"garbage segments", "Bearer a.b.c", "invalid_token", "token invalid"},
		{"expired", "Bearer " + hs(with("exp", time.Now().Add(-time.Minute).Unix())), "invalid_token", "token expired"},
		{"iat in the future", "Bearer " + hs(with("iat", time.Now().Add(5*time.Minute).Unix())), "invalid_token", "token invalid"},
		{"alg none", "Bearer " + unsigned(t, claims()), "invalid_token", "token invalid"},
		{"another key", "Bearer " + sign(t, jwa.HS256(), []byte("another-secret-another-secret-!!"), claims()), "invalid_token", "token invalid"},
		{"HS512 with our key", "Bearer " + sign(t, jwa.HS512(), testSecret, claims()), "invalid_token", "token invalid"},
		{"RS256", "Bearer " + sign(t, jwa.RS256(), rsaKey, claims()), "invalid_token", "token invalid"},
		{"wrong iss", "Bearer " + hs(with("iss", "someone-else")), "invalid_token", "token invalid"},
		{"wrong aud", "Bearer " + hs(with("aud", []string{"other-api"})), "invalid_token", "token invalid"},
		{"empty sub", "Bearer " + hs(with("sub", "")), "invalid_token", "token invalid"},
	}
	for _, name := range []string{"sub", "iat", "exp", "jti", "iss", "aud"} {
		cases = append(cases, struct{ name, header, code, message string }{
			"missing " + name, "Bearer " + hs(without(name)), "invalid_token", "token invalid"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.command.requests())
			res := h.do(t, http.MethodPost, "/v1/holds/trip", "{}", "Authorization", c.header)
			e := wantError(t, res, http.StatusUnauthorized, c.code)
			if e.Message != c.message {
				t.Errorf("message %q, want %q", e.Message, c.message)
			}
			if len(h.command.requests()) != before {
				t.Error("a rejected request reached the command service")
			}
		})
	}
}

func TestStreamNeedsToken(t *testing.T) {
	h := newHarness(t, options{})
	wantError(t, h.do(t, http.MethodGet, "/v1/flights/f1/stream", ""), http.StatusUnauthorized, "unauthorized")
	if n := len(h.query.requests()); n != 0 {
		t.Fatalf("query received %d requests", n)
	}
}

func TestRejectionsAreCounted(t *testing.T) {
	h := newHarness(t, options{})
	h.do(t, http.MethodGet, "/v1/bookings/b1", "")
	h.do(t, http.MethodGet, "/v1/bookings/b1", "", bearer(sign(t, jwa.HS256(), testSecret, with("exp", time.Now().Add(-time.Hour).Unix())))...)
	h.do(t, http.MethodGet, "/v1/flights/f1/stream?ticket=a.b.c", "")
	h.do(t, http.MethodPost, "/v1/auth/guest", "")
	body := readBody(t, h.do(t, http.MethodGet, "/metrics", ""))
	for _, want := range []string{
		`gateway_tokens_rejected_total{reason="missing"} 1`,
		`gateway_tokens_rejected_total{reason="expired"} 1`,
		`gateway_tokens_rejected_total{reason="invalid"} 1`,
		`gateway_tokens_issued_total 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
