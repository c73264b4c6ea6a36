package auth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// maxTokenBytes bounds what is handed to the parser.
const maxTokenBytes = 4096

// required lists the claims every accepted token carries.
var required = []string{
	jwt.SubjectKey, jwt.IssuedAtKey, jwt.ExpirationKey, jwt.JwtIDKey, jwt.IssuerKey, jwt.AudienceKey,
}

// Verifier checks guest tokens.
type Verifier struct {
	opts []jwt.ParseOption
}

// NewVerifier refuses weak keys and incomplete settings.
func NewVerifier(s Settings) (*Verifier, error) {
	s, err := s.check()
	if err != nil {
		return nil, err
	}
	opts := []jwt.ParseOption{
		// The one key, pinned to HS256: "none", HS384/512 and every
		// asymmetric algorithm fail verification.
		jwt.WithKey(jwa.HS256(), s.Secret),
		jwt.WithValidate(true),
		jwt.WithIssuer(s.Issuer),
		jwt.WithAudience(s.Audience),
		jwt.WithAcceptableSkew(s.Leeway),
		jwt.WithClock(jwt.ClockFunc(s.Now)),
	}
	for _, c := range required {
		opts = append(opts, jwt.WithRequiredClaim(c))
	}
	return &Verifier{opts: opts}, nil
}

// Verify checks the signature and claims of raw and returns the guest id
// (the token's sub). Errors wrap ErrMalformed, ErrExpired or ErrInvalid.
func (v *Verifier) Verify(raw string) (string, error) {
	if len(raw) > maxTokenBytes || strings.Count(raw, ".") != 2 {
		return "", ErrMalformed
	}
	tok, err := jwt.ParseString(raw, v.opts...)
	if err != nil {
		return "", classify(err)
	}
	sub, ok := tok.Subject()
	if !ok || sub == "" {
		return "", fmt.Errorf("%w: empty sub", ErrInvalid)
	}
	return sub, nil
}

func classify(err error) error {
	if errors.Is(err, jwt.TokenExpiredError()) {
		return fmt.Errorf("%w: %w", ErrExpired, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrMissing
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMalformed
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", ErrMalformed
	}
	return token, nil
}
