package auth

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// Token is a freshly issued guest token.
type Token struct {
	Value     string
	GuestID   string
	ExpiresAt time.Time
}

// Issuer signs guest tokens.
type Issuer struct {
	s Settings
}

// NewIssuer refuses weak keys and incomplete settings.
func NewIssuer(s Settings) (*Issuer, error) {
	s, err := s.check()
	if err != nil {
		return nil, err
	}
	return &Issuer{s: s}, nil
}

// Issue mints a token for a new guest: sub, iat, exp, jti, iss and aud.
func (i *Issuer) Issue() (Token, error) {
	now := i.s.Now().UTC().Truncate(time.Second)
	t := Token{GuestID: GuestPrefix + uuid.NewString(), ExpiresAt: now.Add(i.s.TTL)}
	claims, err := jwt.NewBuilder().
		Subject(t.GuestID).IssuedAt(now).Expiration(t.ExpiresAt).JwtID(uuid.NewString()).
		Issuer(i.s.Issuer).Audience([]string{i.s.Audience}).Build()
	if err != nil {
		return Token{}, fmt.Errorf("auth: build token: %w", err)
	}
	signed, err := jwt.Sign(claims, jwt.WithKey(jwa.HS256(), i.s.Secret))
	if err != nil {
		return Token{}, fmt.Errorf("auth: sign token: %w", err)
	}
	t.Value = string(signed)
	return t, nil
}
