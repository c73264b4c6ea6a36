package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/auth/authtest"
)

// Every forged guest token is refused, with a rejection that maps to 401.
func TestVerifyRefusesForgedTokens(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ver, err := auth.NewVerifier(settings(now))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range authtest.Tokens(t, settings(now)) {
		t.Run(f.Name, func(t *testing.T) {
			sub, err := ver.Verify(f.Token)
			if err == nil || !isRejection(err) {
				t.Fatalf("Verify = %q, %v; want a rejection", sub, err)
			}
		})
	}
}

// Every forged stream ticket is refused.
func TestVerifyTicketRefusesForgedTickets(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ver, err := auth.NewVerifier(settings(now))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range authtest.Tickets(t, settings(now), "f1") {
		t.Run(f.Name, func(t *testing.T) {
			sub, err := ver.VerifyTicket(f.Token, "f1")
			if err == nil || !isRejection(err) {
				t.Fatalf("VerifyTicket = %q, %v; want a rejection", sub, err)
			}
		})
	}
}

func isRejection(err error) bool {
	return errors.Is(err, auth.ErrMalformed) || errors.Is(err, auth.ErrInvalid) || errors.Is(err, auth.ErrExpired)
}

// An oversized token is refused by its length, before anything is decoded:
// a megabyte of dots costs no allocation to turn away.
func TestOversizedTokensAreRefusedBeforeParsing(t *testing.T) {
	ver, err := auth.NewVerifier(settings(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	dots := strings.Repeat(".", 1<<20)
	parts := strings.Repeat("a", 1<<20) + ".b.c"
	const bound = 64 << 10 // bytes allocated per rejection, far below the input
	for name, verify := range map[string]func() error{
		"Verify, dots":              func() error { _, err := ver.Verify(dots); return err },
		"VerifyTicket, dots":        func() error { _, err := ver.VerifyTicket(dots, "f1"); return err },
		"Verify, three parts":       func() error { _, err := ver.Verify(parts); return err },
		"VerifyTicket, three parts": func() error { _, err := ver.VerifyTicket(parts, "f1"); return err },
	} {
		t.Run(name, func(t *testing.T) {
			if err := verify(); !errors.Is(err, auth.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			const runs = 100
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				_ = verify()
			}
			runtime.ReadMemStats(&after)
			per := (after.TotalAlloc - before.TotalAlloc) / runs
			if per > bound {
				t.Fatalf("%d bytes allocated per rejection, want at most %d", per, bound)
			}
			t.Logf("%d bytes allocated per rejection of a 1 MiB input", per)
		})
	}
}

// During a rotation both keys verify and only the new one signs; once the
// old key leaves the configuration its tokens are refused, even by a
// process that had verified (and cached) them before the restart.
func TestKeyRotation(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	oldKey := settings(now) // k1 signs
	rotating := settings(now)
	rotating.Secret, rotating.KeyID = []byte("a-brand-new-secret-0123456789abcdef"), "k2"
	rotating.Previous = []auth.Key{{ID: oldKey.KeyID, Secret: oldKey.Secret}}
	rotated := rotating
	rotated.Previous = nil

	oldIssuer, _ := auth.NewIssuer(oldKey)
	old, err := oldIssuer.Issue()
	if err != nil {
		t.Fatal(err)
	}
	oldTicket, _ := oldIssuer.IssueTicket("g_1", "f1", time.Minute)
	newIssuer, err := auth.NewIssuer(rotating)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := newIssuer.Issue()
	if kid := headerKid(t, fresh.Value); kid != "k2" {
		t.Fatalf("a new token names kid %q, want k2", kid)
	}
	if kid := headerKid(t, old.Value); kid != "k1" {
		t.Fatalf("an old token names kid %q, want k1", kid)
	}

	during, _ := auth.NewVerifier(rotating)
	for name, tok := range map[string]string{"old": old.Value, "new": fresh.Value} {
		if _, err := during.Verify(tok); err != nil {
			t.Fatalf("during the overlap, the %s token: %v", name, err)
		}
	}
	if _, err := during.VerifyTicket(oldTicket.Value, "f1"); err != nil {
		t.Fatalf("during the overlap, the old ticket: %v", err)
	}

	after, _ := auth.NewVerifier(rotated)
	if _, err := after.Verify(old.Value); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("after the old key left, its token: %v", err)
	}
	if _, err := after.VerifyTicket(oldTicket.Value, "f1"); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("after the old key left, its ticket: %v", err)
	}
	if _, err := after.Verify(fresh.Value); err != nil {
		t.Fatalf("after the old key left, a new token: %v", err)
	}
	before, _ := auth.NewVerifier(oldKey)
	if _, err := before.Verify(fresh.Value); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("a process that has not learnt k2 accepted its token: %v", err)
	}
}

// headerKid reads the kid of a token's header.
func headerKid(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// A key set the verifier could confuse is refused when it is built.
func TestRefusesAmbiguousKeys(t *testing.T) {
	other := []byte("another-secret-another-secret-xx")
	cases := map[string]func(*auth.Settings){
		"no kid":            func(s *auth.Settings) { s.KeyID = "" },
		"kid with a quote":  func(s *auth.Settings) { s.KeyID = `k"1` },
		"two keys, one kid": func(s *auth.Settings) { s.Previous = []auth.Key{{ID: "k1", Secret: other}} },
		"two kids, one secret": func(s *auth.Settings) {
			s.Previous = []auth.Key{{ID: "k0", Secret: s.Secret}}
		},
		"a short previous secret": func(s *auth.Settings) { s.Previous = []auth.Key{{ID: "k0", Secret: []byte("short")}} },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			s := settings(time.Now())
			change(&s)
			if _, err := auth.NewIssuer(s); err == nil {
				t.Error("issuer accepted")
			}
			if _, err := auth.NewVerifier(s); err == nil {
				t.Error("verifier accepted")
			}
		})
	}
}
