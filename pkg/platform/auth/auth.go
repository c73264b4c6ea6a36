// Package auth issues and verifies guest tokens and stream tickets: HS256
// JWTs signed with one shared secret, the algorithm pinned on both sides.
// The gateway issues them; the gateway and every service behind it verify
// them, so no service trusts an identity it did not check itself.
package auth

import (
	"errors"
	"fmt"
	"time"
)

// MinSecretBytes is the shortest HS256 key accepted (RFC 7518 §3.2).
const MinSecretBytes = 32

// GuestPrefix starts every guest id the gateway issues.
const GuestPrefix = "g_"

// Rejections. Each carries a general reason only: the cause stays in logs.
var (
	ErrMissing   = errors.New("a guest token is required")
	ErrMalformed = errors.New("token invalid")
	ErrInvalid   = errors.New("token invalid")
	ErrExpired   = errors.New("token expired")
)

// Reason names a rejection for metrics: missing, malformed, expired or
// invalid.
func Reason(err error) string {
	switch {
	case errors.Is(err, ErrMissing):
		return "missing"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrExpired):
		return "expired"
	}
	return "invalid"
}

// Reasons lists every value Reason returns.
func Reasons() []string { return []string{"missing", "malformed", "expired", "invalid"} }

// Settings are shared by Issuer and Verifier.
type Settings struct {
	Secret   []byte
	Issuer   string
	Audience string
	TTL      time.Duration    // lifetime of an issued token
	Leeway   time.Duration    // clock skew accepted on exp and iat
	Now      func() time.Time // nil: time.Now
}

func (s Settings) check() (Settings, error) {
	switch {
	case len(s.Secret) < MinSecretBytes:
		return s, fmt.Errorf("auth: secret must be at least %d bytes", MinSecretBytes)
	case s.Issuer == "" || s.Audience == "":
		return s, errors.New("auth: issuer and audience are required")
	case s.TTL <= 0 || s.Leeway < 0:
		return s, errors.New("auth: ttl must be positive and leeway not negative")
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s, nil
}
