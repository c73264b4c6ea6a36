package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/auth/authtest"
)

// FuzzVerify tries every input as a guest token and as a stream ticket for
// flight f1. Properties: no panic; a refusal is one of the rejections
// (a 401); the issued token and ticket pass; an acceptance names the one
// guest they were issued to, fits MaxTokenBytes and has three parts: no
// mutation yields another identity.
func FuzzVerify(f *testing.F) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := settings(now)
	ver, err := auth.NewVerifier(s)
	if err != nil {
		f.Fatal(err)
	}
	// Made by hand, not by the Issuer: every fuzzing process must build
	// the same two (the Issuer draws random ids).
	ticket := signClaims(f, secret, ticketClaims(now, nil))
	token := signClaims(f, secret, ticketClaims(now, map[string]any{"aud": []string{"aud"}}, "flt"))
	f.Add(token)
	f.Add(ticket)
	// The forgeries seed the corpus, but for the large ones and the real
	// tokens of other guests (a ticket forged as a bearer token is a valid
	// ticket).
	for _, forged := range append(authtest.Tokens(f, s), authtest.Tickets(f, s, "f1")...) {
		_, asToken := ver.Verify(forged.Token)
		_, asTicket := ver.VerifyTicket(forged.Token, "f1")
		if asToken != nil && asTicket != nil && len(forged.Token) <= 2*auth.MaxTokenBytes {
			f.Add(forged.Token)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		sub, err := ver.Verify(raw)
		check(t, raw, sub, err, raw == token, "g_1")
		sub, err = ver.VerifyTicket(raw, "f1")
		check(t, raw, sub, err, raw == ticket, "g_1")
	})
}

func check(t *testing.T, raw, sub string, err error, issued bool, guest string) {
	t.Helper()
	if err != nil {
		if !isRejection(err) {
			t.Fatalf("%q: %v is no rejection", raw, err)
		}
		if issued {
			t.Fatalf("the issued token was refused: %v", err)
		}
		return
	}
	if sub != guest || len(raw) > auth.MaxTokenBytes || strings.Count(raw, ".") != 2 {
		t.Fatalf("%q accepted for %q", raw, sub)
	}
}
