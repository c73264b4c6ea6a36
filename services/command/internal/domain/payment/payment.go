// Package payment holds what the booking rules know of payments: the token
// a guest pays with (which never prints itself), money, a charge, and the
// two ways a charge fails.
package payment

import (
	"errors"
	"fmt"
	"log/slog"
)

// Errors of a charge; the HTTP port maps each to one answer.
var (
	// ErrDeclined: the provider refused the payment (402; the guest may
	// try again with another card).
	ErrDeclined = errors.New("the payment was declined")
	// ErrProvider: the provider failed or could not be reached (502: not
	// the guest's fault, nothing was charged).
	ErrProvider = errors.New("the payment provider failed")
)

// redacted is what a Token prints instead of itself.
const redacted = "[redacted]"

// maxTokenLen bounds a token as received.
const maxTokenLen = 255

// Token is a payment token as received from the guest. It never prints
// itself: fmt, log/slog and encoding/json all see "[redacted]". The value
// sits behind a pointer so that even fmt's printing of a struct holding a
// Token in an unexported field (where String cannot be called) shows an
// address, not the token. The zero Token is empty.
type Token struct{ v *string }

// ParseToken accepts 1 to 255 printable ASCII characters without spaces.
// Its errors never contain the token.
func ParseToken(s string) (Token, error) {
	switch {
	case s == "":
		return Token{}, errors.New("is required")
	case len(s) > maxTokenLen:
		return Token{}, fmt.Errorf("must be at most %d characters", maxTokenLen)
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return Token{}, errors.New("must be printable ASCII without spaces")
		}
	}
	return Token{v: &s}, nil
}

// Reveal returns the token itself, for the one adapter that sends it to
// the provider.
func (t Token) Reveal() string {
	if t.v == nil {
		return ""
	}
	return *t.v
}

// IsZero reports whether t is the zero Token.
func (t Token) IsZero() bool { return t.v == nil }

// String implements fmt.Stringer: "[redacted]".
func (Token) String() string { return redacted }

// GoString implements fmt.GoStringer, for %#v.
func (Token) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb prints "[redacted]".
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer.
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler: "[redacted]".
func (Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (map keys, text encoders).
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Money is an amount in integer minor units of an ISO-4217 currency.
type Money struct {
	Amount   int64
	Currency string
}

// Charge is money taken by a provider; Ref is the provider's reference,
// which voids and refunds name.
type Charge struct {
	Ref   string
	Money Money
}
