package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// MaxTokenBytes bounds what is handed to the parser: longer input is
// refused by its length alone, before any decoding or allocation. An
// issued token is about 400 bytes.
const MaxTokenBytes = 4096

// required lists the claims every accepted token carries.
var required = []string{
	jwt.SubjectKey, jwt.IssuedAtKey, jwt.ExpirationKey, jwt.JwtIDKey, jwt.IssuerKey, jwt.AudienceKey,
}

// Verifier checks guest tokens and stream tickets.
type Verifier struct {
	guest  []jwt.ParseOption
	ticket []jwt.ParseOption
	cache  *tokenCache
	now    func() time.Time
	leeway time.Duration
}

// NewVerifier refuses weak keys and incomplete settings. It accepts tokens
// signed by the signing key or by a previous one. The keys are fixed for
// the Verifier's life (and so are the tokens it remembers): a changed key
// set needs a new Verifier, that is a restart.
func NewVerifier(s Settings) (*Verifier, error) {
	s, err := s.check()
	if err != nil {
		return nil, err
	}
	keys := keyring{}
	for _, k := range s.keys() {
		keys[k.ID] = k.Secret
	}
	return &Verifier{
		guest:  parseOptions(s, keys, s.Audience),
		ticket: parseOptions(s, keys, s.Audience+ticketAudienceSuffix, flightClaim),
		cache:  newTokenCache(), now: s.Now, leeway: s.Leeway,
	}, nil
}

// keyring maps a kid to its secret. As a jws.KeyProvider it hands the
// verifier the one key a token's protected header names, and only for
// alg HS256: no kid, an unknown kid or any other alg ("none", HS512,
// RS256, ...) finds no key, so the token fails verification. A header may
// hold only what the Issuer writes (alg, kid, typ): jku, jwk, crit and
// any private parameter are refused too.
type keyring map[string][]byte

// FetchKeys implements jws.KeyProvider.
func (r keyring) FetchKeys(_ context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
	h := sig.ProtectedHeaders()
	for _, name := range h.Keys() {
		if name != jws.AlgorithmKey && name != jws.KeyIDKey && name != jws.TypeKey {
			return fmt.Errorf("header parameter %.20q", name)
		}
	}
	if alg, ok := h.Algorithm(); !ok || alg != jwa.HS256() {
		return errors.New("alg is not HS256")
	}
	kid, ok := h.KeyID()
	if !ok {
		return errors.New("no kid")
	}
	secret, ok := r[kid]
	if !ok {
		return errors.New("unknown kid") // the kid is the caller's text: kept out of logs
	}
	sink.Key(jwa.HS256(), secret)
	return nil
}

// parseOptions accepts tokens for audience that carry every required claim
// and the extra ones.
func parseOptions(s Settings, keys keyring, audience string, extra ...string) []jwt.ParseOption {
	opts := []jwt.ParseOption{
		// The key the header's kid names, pinned to HS256.
		jwt.WithKeyProvider(keys),
		jwt.WithValidate(true),
		jwt.WithIssuer(s.Issuer),
		jwt.WithAudience(audience),
		jwt.WithAcceptableSkew(s.Leeway),
		jwt.WithClock(jwt.ClockFunc(s.Now)),
	}
	for _, c := range append(append([]string(nil), required...), extra...) {
		opts = append(opts, jwt.WithRequiredClaim(c))
	}
	return opts
}

// Verify checks the signature and claims of a guest token and returns the
// guest id (the token's sub). A stream ticket is refused: its audience
// differs. Errors wrap ErrMalformed, ErrExpired or ErrInvalid. A token
// that passed is remembered by its exact text until it expires (at most a
// minute), so repeated requests skip the parse.
func (v *Verifier) Verify(raw string) (string, error) {
	if len(raw) > MaxTokenBytes {
		return "", ErrMalformed
	}
	now := v.now()
	if guest, ok := v.cache.get(raw, now); ok {
		return guest, nil
	}
	tok, err := parse(raw, v.guest)
	if err != nil {
		return "", err
	}
	guest, err := subject(tok)
	if err != nil {
		return "", err
	}
	if exp, ok := tok.Expiration(); ok {
		v.cache.put(raw, guest, exp.Add(v.leeway), now)
	}
	return guest, nil
}

// VerifyTicket checks a stream ticket for flightID and returns the guest id
// it was issued to. A guest token is refused (its audience differs), and so
// is a ticket for another flight. Errors wrap ErrMalformed, ErrExpired or
// ErrInvalid.
func (v *Verifier) VerifyTicket(raw, flightID string) (string, error) {
	tok, err := parse(raw, v.ticket)
	if err != nil {
		return "", err
	}
	var flight string
	if err := tok.Get(flightClaim, &flight); err != nil {
		return "", fmt.Errorf("%w: flt: %w", ErrInvalid, err)
	}
	if flightID == "" || flight != flightID {
		return "", fmt.Errorf("%w: ticket is for another flight", ErrInvalid)
	}
	return subject(tok)
}

// parse refuses oversized or obviously malformed input before the parser
// sees it, then verifies raw with opts.
func parse(raw string, opts []jwt.ParseOption) (jwt.Token, error) {
	if len(raw) > MaxTokenBytes || strings.Count(raw, ".") != 2 {
		return nil, ErrMalformed
	}
	tok, err := jwt.ParseString(raw, opts...)
	if err != nil {
		return nil, classify(err)
	}
	return tok, nil
}

func subject(tok jwt.Token) (string, error) {
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
