// Package authtest builds forged guest tokens and stream tickets: a corpus
// that every verifier of package auth must refuse, shared by its unit
// tests and the services' HTTP tests.
package authtest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
)

// Forgery is one token a verifier must refuse.
type Forgery struct {
	Name  string
	Token string
}

// Tokens returns forged guest tokens for a verifier built with s: each
// must fail auth.Verifier.Verify. The corpus starts from the claims the
// real Issuer writes, so only the one named defect makes a token bad.
func Tokens(t testing.TB, s auth.Settings) []Forgery {
	t.Helper()
	iss := newIssuer(t, s)
	guest, err := iss.Issue()
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := iss.IssueTicket(guest.GuestID, "f1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return append(forge(t, s, claimsOf(t, guest.Value)),
		Forgery{"a stream ticket as a bearer token", ticket.Value})
}

// Tickets returns forged stream tickets for flightID, for a verifier built
// with s: each must fail auth.Verifier.VerifyTicket(token, flightID).
func Tickets(t testing.TB, s auth.Settings, flightID string) []Forgery {
	t.Helper()
	iss := newIssuer(t, s)
	guest, err := iss.Issue()
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := iss.IssueTicket(guest.GuestID, flightID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	other, err := iss.IssueTicket(guest.GuestID, flightID+"x", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, ticket.Value)
	return append(forge(t, s, c),
		Forgery{"a guest token as a ticket", guest.Value},
		Forgery{"a ticket for another flight", other.Value},
		Forgery{"missing flt", sign(t, header(s.KeyID), without(c, "flt"), hs256, s.Secret)},
	)
}

func newIssuer(t testing.TB, s auth.Settings) *auth.Issuer {
	t.Helper()
	iss, err := auth.NewIssuer(s)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// forge lists the defects common to tokens and tickets, applied to the
// valid claims c.
func forge(t testing.TB, s auth.Settings, c map[string]any) []Forgery {
	t.Helper()
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	// A minute past the leeway: the corpus may be checked against a real
	// clock a while after it is built. The verifier's own tests hold the
	// leeway to the second.
	beyond := s.Leeway + time.Minute
	kid, key := s.KeyID, s.Secret
	stranger := []byte("a-secret-nobody-configured-0123456789")
	h := header(kid)
	out := []Forgery{
		{"alg none", sign(t, `{"alg":"none","kid":"`+kid+`","typ":"JWT"}`, c, nil, nil)},
		{"alg none, no signature", strings.TrimSuffix(sign(t, `{"alg":"none","kid":"`+kid+`"}`, c, nil, nil), ".")},
		{"HS256 with another key", sign(t, h, c, hs256, stranger)},
		{"HS256 with another key under no kid", sign(t, `{"alg":"HS256","typ":"JWT"}`, c, hs256, stranger)},
		{"HS512 with the right key", sign(t, `{"alg":"HS512","kid":"`+kid+`","typ":"JWT"}`, c, sha512.New, key)},
		{"HS384 with the right key", sign(t, `{"alg":"HS384","kid":"`+kid+`","typ":"JWT"}`, c, sha512.New384, key)},
		{"RS256 header, HS256 signature with the right key", sign(t, `{"alg":"RS256","kid":"`+kid+`","typ":"JWT"}`, c, hs256, key)},
		{"no alg, HS256 signature with the right key", sign(t, `{"kid":"`+kid+`","typ":"JWT"}`, c, hs256, key)},
		{"RS256 signed with an RSA key", signRS256(t, kid, c)},
		{"unknown kid", sign(t, header("k-unknown"), c, hs256, key)},
		{"no kid", sign(t, `{"alg":"HS256","typ":"JWT"}`, c, hs256, key)},
		{"empty kid", sign(t, header(""), c, hs256, key)},
		{"jku header", sign(t, `{"alg":"HS256","kid":"`+kid+`","jku":"https://evil.example/jwks"}`, c, hs256, key)},
		{"crit header", sign(t, `{"alg":"HS256","kid":"`+kid+`","crit":["exp"]}`, c, hs256, key)},
		{"JSON-bomb header", sign(t, `{"alg":"HS256","kid":"`+kid+`","x":`+strings.Repeat("[", 900)+strings.Repeat("]", 900)+`}`, c, hs256, key)},
		{"header not JSON", b64("not json") + "." + b64("{}") + "." + b64("sig")},
		{"garbage base64", "!!!!.@@@@.####"},
		{"empty parts", ".."},
		{"two parts", "a.b"},
		{"a megabyte of dots", strings.Repeat(".", 1<<20)},
		{"a megabyte in three parts", strings.Repeat("a", 1<<20) + ".b.c"},
		{"one byte too long", strings.Repeat("a", auth.MaxTokenBytes-3) + ".b.c"},
		{"expired beyond leeway", sign(t, h, with(c, "exp", now.Add(-beyond).Unix()), hs256, key)},
		{"iat in the future beyond leeway", sign(t, h, with(with(c, "iat", now.Add(beyond).Unix()), "exp", now.Add(time.Hour).Unix()), hs256, key)},
		{"nbf in the future beyond leeway", sign(t, h, with(c, "nbf", now.Add(beyond).Unix()), hs256, key)},
		{"exp not a number", sign(t, h, with(c, "exp", "tomorrow"), hs256, key)},
		{"wrong iss", sign(t, h, with(c, "iss", "someone-else"), hs256, key)},
		{"wrong aud", sign(t, h, with(c, "aud", []string{"another-api"}), hs256, key)},
		{"empty sub", sign(t, h, with(c, "sub", ""), hs256, key)},
		{"tampered payload", tamper(t, sign(t, h, c, hs256, key))},
	}
	for _, claim := range []string{"exp", "iat", "jti", "iss", "aud", "sub"} {
		out = append(out, Forgery{"missing " + claim, sign(t, h, without(c, claim), hs256, key)})
	}
	return out
}

func hs256() hash.Hash { return sha256.New() }

func header(kid string) string { return `{"alg":"HS256","kid":"` + kid + `","typ":"JWT"}` }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// sign joins header and claims and appends an HMAC with newHash and key;
// a nil newHash leaves the signature empty.
func sign(t testing.TB, hdr string, claims map[string]any, newHash func() hash.Hash, key []byte) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(hdr) + "." + b64(string(payload))
	if newHash == nil {
		return input + "."
	}
	mac := hmac.New(newHash, key)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func signRS256(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(`{"alg":"RS256","kid":"`+kid+`","typ":"JWT"}`) + "." + b64(string(payload))
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, pk, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tamper changes the payload of a signed token and keeps its signature.
func tamper(t testing.TB, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	c := claimsOf(t, token)
	c["sub"] = "g_someone-else"
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + b64(string(payload)) + "." + parts[2]
}

// claimsOf decodes the payload of a token, numbers kept exact.
func claimsOf(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func with(c map[string]any, name string, v any) map[string]any {
	out := without(c)
	out[name] = v
	return out
}

func without(c map[string]any, names ...string) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}
