// Package payment is the built-in test payment provider: an in-memory
// app.Payments that follows the usual test-token convention, so bookings
// can be paid end to end without a real provider or real card data.
//
// Tokens that approve (any amount, any currency):
//
//	tok_visa         Visa
//	tok_visa_debit   Visa debit
//	tok_mastercard   Mastercard
//	tok_amex         American Express
//
// Tokens that fail:
//
//	tok_chargeDeclined                    declined                      payment.ErrDeclined (402)
//	tok_chargeDeclinedInsufficientFunds   declined: insufficient funds  payment.ErrDeclined (402)
//	tok_chargeDeclinedExpiredCard         declined: expired card        payment.ErrDeclined (402)
//	tok_processingError                   the provider fails            payment.ErrProvider (502)
//	any other token                       declined: unknown card        payment.ErrDeclined (402)
//
// Charges are kept in memory for the life of the process, by the caller's
// attempt ref (a void or refund of a ch_test_ charge made by an earlier
// process is accepted, as a real provider would remember it),
// and the same ref charged again returns the first charge. Declined
// and failed attempts record nothing, so the same ref may be retried with
// another card.
package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/altisair/altis/services/command/internal/app"
	domainpay "github.com/altisair/altis/services/command/internal/domain/payment"
)

// ProviderName names this provider in stored payments.
const ProviderName = "test"

// ChargePrefix starts every charge reference this provider makes.
const ChargePrefix = "ch_test_"

// The test tokens that approve, by card brand.
var approving = map[string]string{
	"tok_visa":       "visa",
	"tok_visa_debit": "visa_debit",
	"tok_mastercard": "mastercard",
	"tok_amex":       "amex",
}

// The test tokens that fail, with the error they fail with.
var failing = map[string]error{
	"tok_chargeDeclined":                  domainpay.ErrDeclined,
	"tok_chargeDeclinedInsufficientFunds": fmt.Errorf("%w: insufficient funds", domainpay.ErrDeclined),
	"tok_chargeDeclinedExpiredCard":       fmt.Errorf("%w: the card has expired", domainpay.ErrDeclined),
	"tok_processingError":                 fmt.Errorf("%w: processing error", domainpay.ErrProvider),
}

var errUnknownCard = fmt.Errorf("%w: unknown card", domainpay.ErrDeclined)

// Errors of voids, refunds and reused refs: our own mistakes, not the
// guest's, so they match neither ErrDeclined nor ErrProvider.
var (
	ErrNoSuchCharge = errors.New("test provider: no such charge")
	ErrNotCaptured  = errors.New("test provider: the charge is no longer captured")
	ErrRefReused    = errors.New("test provider: the attempt ref was used for another charge")
	ErrInvalidMoney = errors.New("test provider: the amount must be positive and the currency three capital letters")
)

// State is where a charge stands.
type State string

// The states of a charge.
const (
	Captured State = "captured"
	Voided   State = "voided"
	Refunded State = "refunded"
)

// Recorded is one charge as the provider holds it; no token is kept, only
// the card brand.
type Recorded struct {
	Charge domainpay.Charge
	Ref    string // the caller's attempt ref
	Card   string // visa, visa_debit, mastercard or amex
	State  State
}

// TestProvider is the in-memory provider. It is safe for concurrent use.
type TestProvider struct {
	mu       sync.Mutex
	byRef    map[string]*Recorded // attempt ref → charge
	byCharge map[string]*Recorded // charge ref → charge
	inOrder  []*Recorded
}

var _ app.Payments = (*TestProvider)(nil)

// NewTestProvider returns a provider with no charges.
func NewTestProvider() *TestProvider {
	return &TestProvider{byRef: map[string]*Recorded{}, byCharge: map[string]*Recorded{}}
}

// Charge approves or refuses by token (see the package doc). The same ref
// with the same money and card returns the first charge.
func (p *TestProvider) Charge(ctx context.Context, token domainpay.Token, m domainpay.Money, ref string) (domainpay.Charge, error) {
	if err := ctx.Err(); err != nil {
		return domainpay.Charge{}, err
	}
	if ref == "" {
		return domainpay.Charge{}, errors.New("test provider: empty attempt ref")
	}
	if !validMoney(m) {
		return domainpay.Charge{}, ErrInvalidMoney
	}
	card, err := cardOf(token)
	if err != nil {
		return domainpay.Charge{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.byRef[ref]; ok {
		return replay(r, m, card, ref)
	}
	r := &Recorded{Charge: domainpay.Charge{Ref: ChargePrefix + uuid.NewString(), Money: m},
		Ref: ref, Card: card, State: Captured}
	p.byRef[ref], p.byCharge[r.Charge.Ref] = r, r
	p.inOrder = append(p.inOrder, r)
	return r.Charge, nil
}

// replay answers a ref charged before: the first charge, if it asked for
// the same and still stands.
func replay(r *Recorded, m domainpay.Money, card, ref string) (domainpay.Charge, error) {
	switch {
	case r.Charge.Money != m || r.Card != card:
		return domainpay.Charge{}, fmt.Errorf("%w: %q", ErrRefReused, ref)
	case r.State != Captured:
		return domainpay.Charge{}, fmt.Errorf("%w: %q was %s", ErrNotCaptured, ref, r.State)
	}
	return r.Charge, nil
}

func cardOf(token domainpay.Token) (string, error) {
	raw := token.Reveal()
	if card, ok := approving[raw]; ok {
		return card, nil
	}
	if err, ok := failing[raw]; ok {
		return "", err
	}
	return "", errUnknownCard
}

func validMoney(m domainpay.Money) bool {
	if m.Amount <= 0 || len(m.Currency) != 3 {
		return false
	}
	for i := range 3 {
		if m.Currency[i] < 'A' || m.Currency[i] > 'Z' {
			return false
		}
	}
	return true
}

// Void cancels a captured charge; voiding it again is harmless.
func (p *TestProvider) Void(ctx context.Context, c domainpay.Charge) error {
	return p.move(ctx, c, Voided)
}

// Refund returns a captured charge; refunding it again is harmless.
func (p *TestProvider) Refund(ctx context.Context, c domainpay.Charge) error {
	return p.move(ctx, c, Refunded)
}

// move takes a captured charge to state to; a charge already there stays.
func (p *TestProvider) move(ctx context.Context, c domainpay.Charge, to State) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byCharge[c.Ref]
	switch {
	case !ok && strings.HasPrefix(c.Ref, ChargePrefix) && validMoney(c.Money):
		// A charge of an earlier process (this provider forgets on
		// restart; a real one would not): take it as captured.
		p.byCharge[c.Ref] = &Recorded{Charge: c, Ref: c.Ref, State: to}
		return nil
	case !ok:
		return fmt.Errorf("%w: %q", ErrNoSuchCharge, c.Ref)
	case r.State == to:
		return nil
	case r.State != Captured:
		return fmt.Errorf("%w: %q was %s", ErrNotCaptured, c.Ref, r.State)
	}
	r.State = to
	return nil
}

// Charges returns every charge made, oldest first, with its state now.
func (p *TestProvider) Charges() []Recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Recorded, len(p.inOrder))
	for i, r := range p.inOrder {
		out[i] = *r
	}
	return out
}
