// Package auth issues and verifies guest tokens and stream tickets: HS256
// JWTs whose header names the signing key (kid), the algorithm pinned on
// both sides. One key signs; during a rotation a previous key is still
// accepted. The gateway issues them; the gateway and every service behind
// it verify them, so no service trusts an identity it did not check itself.
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

// maxKeyIDBytes bounds a kid; the issuer writes it into every header.
const maxKeyIDBytes = 64

// Key is an HS256 secret and the id (kid) tokens name it by.
type Key struct {
	ID     string
	Secret []byte
}

// Settings are shared by Issuer and Verifier.
type Settings struct {
	Secret   []byte // the signing key: it signs, and it verifies
	KeyID    string // Secret's kid
	Previous []Key  // verify only, never sign: the overlap of a rotation
	Issuer   string
	Audience string
	TTL      time.Duration    // lifetime of an issued token
	Leeway   time.Duration    // clock skew accepted on exp and iat
	Now      func() time.Time // nil: time.Now
}

func (s Settings) check() (Settings, error) {
	if err := checkKeys(s.keys()); err != nil {
		return s, err
	}
	switch {
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

// keys lists every accepted key, the signing key first.
func (s Settings) keys() []Key {
	return append([]Key{{ID: s.KeyID, Secret: s.Secret}}, s.Previous...)
}

// checkKeys refuses short secrets, ids that cannot travel in a header,
// and two keys sharing an id or a secret.
func checkKeys(keys []Key) error {
	for i, k := range keys {
		if err := checkKeyID(k.ID); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if len(k.Secret) < MinSecretBytes {
			return fmt.Errorf("auth: the secret of key %q must be at least %d bytes", k.ID, MinSecretBytes)
		}
		for _, before := range keys[:i] {
			if before.ID == k.ID || string(before.Secret) == string(k.Secret) {
				return fmt.Errorf("auth: keys %q and %q must differ in id and secret", before.ID, k.ID)
			}
		}
	}
	return nil
}

// checkKeyID accepts 1 to 64 letters, digits, '.', '_' or '-'.
func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDBytes {
		return fmt.Errorf("key id %q must be 1 to %d characters", id, maxKeyIDBytes)
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("key id %q may hold only letters, digits, '.', '_' and '-'", id)
		}
	}
	return nil
}
