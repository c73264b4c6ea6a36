package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// MaxTicketTTL bounds a stream ticket's lifetime: a ticket travels in a URL
// and may end up in access logs, so it must expire soon.
const MaxTicketTTL = 5 * time.Minute

const (
	// ticketAudienceSuffix turns the API's audience into the tickets' own,
	// so a ticket is never a guest token and a guest token never a ticket.
	ticketAudienceSuffix = ":stream"
	// flightClaim is the private claim naming the flight a ticket opens.
	flightClaim = "flt"
)

// Token is a freshly issued guest token or stream ticket.
type Token struct {
	Value     string
	GuestID   string
	ExpiresAt time.Time
}

// Issuer signs guest tokens and stream tickets with the signing key, whose
// id goes in every header's kid. Previous keys never sign.
type Issuer struct {
	s   Settings
	key jwk.Key
}

// NewIssuer refuses weak keys and incomplete settings.
func NewIssuer(s Settings) (*Issuer, error) {
	s, err := s.check()
	if err != nil {
		return nil, err
	}
	key, err := jwk.Import(s.Secret)
	if err != nil {
		return nil, fmt.Errorf("auth: import key %q: %w", s.KeyID, err)
	}
	if err := key.Set(jwk.KeyIDKey, s.KeyID); err != nil {
		return nil, fmt.Errorf("auth: name key %q: %w", s.KeyID, err)
	}
	return &Issuer{s: s, key: key}, nil
}

// Issue mints a token for a new guest: sub, iat, exp, jti, iss and aud.
func (i *Issuer) Issue() (Token, error) {
	return i.sign(GuestPrefix+uuid.NewString(), i.s.Audience, i.s.TTL, nil)
}

// IssueTicket mints a stream ticket: a short-lived token that lets guestID
// open the seat stream of flightID only (a browser's EventSource cannot send
// an Authorization header, so the ticket goes in the URL). It carries the
// guest token's claims, the audience "<audience>:stream" and the flight in
// the private claim flt. ttl must be positive and at most MaxTicketTTL.
func (i *Issuer) IssueTicket(guestID, flightID string, ttl time.Duration) (Token, error) {
	switch {
	case guestID == "" || flightID == "":
		return Token{}, errors.New("auth: a ticket needs a guest id and a flight id")
	case ttl <= 0 || ttl > MaxTicketTTL:
		return Token{}, fmt.Errorf("auth: ticket ttl %s is not in (0, %s]", ttl, MaxTicketTTL)
	}
	return i.sign(guestID, i.s.Audience+ticketAudienceSuffix, ttl, map[string]string{flightClaim: flightID})
}

// sign builds and signs a token for guestID with the given audience,
// lifetime and private claims.
func (i *Issuer) sign(guestID, audience string, ttl time.Duration, private map[string]string) (Token, error) {
	now := i.s.Now().UTC().Truncate(time.Second)
	t := Token{GuestID: guestID, ExpiresAt: now.Add(ttl)}
	b := jwt.NewBuilder().
		Subject(t.GuestID).IssuedAt(now).Expiration(t.ExpiresAt).JwtID(uuid.NewString()).
		Issuer(i.s.Issuer).Audience([]string{audience})
	for name, v := range private {
		b = b.Claim(name, v)
	}
	claims, err := b.Build()
	if err != nil {
		return Token{}, fmt.Errorf("auth: build token: %w", err)
	}
	signed, err := jwt.Sign(claims, jwt.WithKey(jwa.HS256(), i.key))
	if err != nil {
		return Token{}, fmt.Errorf("auth: sign token: %w", err)
	}
	t.Value = string(signed)
	return t, nil
}
