package payment_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/altisair/altis/services/command/internal/adapters/payment"
	"github.com/altisair/altis/services/command/internal/app"
	domainpay "github.com/altisair/altis/services/command/internal/domain/payment"
)

var eur = domainpay.Money{Amount: 12345, Currency: "EUR"}

func token(t *testing.T, s string) domainpay.Token {
	t.Helper()
	tok, err := domainpay.ParseToken(s)
	if err != nil {
		t.Fatalf("ParseToken(%q): %v", s, err)
	}
	return tok
}

// TestPaymentsContract is the app.Payments contract, run here against the
// test provider.
func TestPaymentsContract(t *testing.T) {
	t.Run("test provider", func(t *testing.T) {
		testPayments(t, func() app.Payments { return payment.NewTestProvider() })
	})
}

func testPayments(t *testing.T, newPayments func() app.Payments) {
	ctx := context.Background()
	charges := []struct {
		token string
		want  error // nil: approved
	}{
		{"tok_visa", nil},
		{"tok_visa_debit", nil},
		{"tok_mastercard", nil},
		{"tok_amex", nil},
		{"tok_chargeDeclined", domainpay.ErrDeclined},
		{"tok_chargeDeclinedInsufficientFunds", domainpay.ErrDeclined},
		{"tok_chargeDeclinedExpiredCard", domainpay.ErrDeclined},
		{"tok_processingError", domainpay.ErrProvider},
		{"tok_unknown", domainpay.ErrDeclined},
		{"4242424242424242", domainpay.ErrDeclined},
	}
	for _, tt := range charges {
		t.Run("charge "+tt.token, func(t *testing.T) {
			p := newPayments()
			c, err := p.Charge(ctx, token(t, tt.token), eur, "attempt-1")
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v, want %v", err, tt.want)
				}
				other := domainpay.ErrProvider
				if tt.want == domainpay.ErrProvider {
					other = domainpay.ErrDeclined
				}
				if errors.Is(err, other) {
					t.Fatalf("err %v also matches %v", err, other)
				}
				if strings.Contains(err.Error(), tt.token) {
					t.Fatalf("error %q repeats the token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Money != eur || c.Ref == "" {
				t.Fatalf("charge %+v, want %v with a ref", c, eur)
			}
		})
	}

	t.Run("same ref charges once", func(t *testing.T) {
		p := newPayments()
		first, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1")
		if err != nil || again != first {
			t.Fatalf("again: %+v, %v; want %+v", again, err, first)
		}
		other, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-2")
		if err != nil || other.Ref == first.Ref {
			t.Fatalf("another ref: %+v, %v; want a new charge", other, err)
		}
	})

	t.Run("a declined ref may be retried with another card", func(t *testing.T) {
		p := newPayments()
		if _, err := p.Charge(ctx, token(t, "tok_chargeDeclined"), eur, "attempt-1"); !errors.Is(err, domainpay.ErrDeclined) {
			t.Fatalf("declined: %v", err)
		}
		if _, err := p.Charge(ctx, token(t, "tok_mastercard"), eur, "attempt-1"); err != nil {
			t.Fatalf("retry with another card: %v", err)
		}
	})

	t.Run("a ref reused for other money or another card is refused", func(t *testing.T) {
		p := newPayments()
		if _, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			tok string
			m   domainpay.Money
		}{
			{"tok_visa", domainpay.Money{Amount: eur.Amount + 1, Currency: "EUR"}},
			{"tok_visa", domainpay.Money{Amount: eur.Amount, Currency: "USD"}},
			{"tok_amex", eur},
		} {
			_, err := p.Charge(ctx, token(t, tc.tok), tc.m, "attempt-1")
			if err == nil || errors.Is(err, domainpay.ErrDeclined) || errors.Is(err, domainpay.ErrProvider) {
				t.Errorf("%s %v on a used ref: err %v, want our own error", tc.tok, tc.m, err)
			}
		}
	})

	t.Run("invalid money is our error", func(t *testing.T) {
		p := newPayments()
		for _, m := range []domainpay.Money{{Amount: 0, Currency: "EUR"}, {Amount: -1, Currency: "EUR"},
			{Amount: 1, Currency: "eur"}, {Amount: 1, Currency: ""}, {Amount: 1, Currency: "EURO"}} {
			_, err := p.Charge(ctx, token(t, "tok_visa"), m, "attempt-"+fmt.Sprint(m))
			if err == nil || errors.Is(err, domainpay.ErrDeclined) || errors.Is(err, domainpay.ErrProvider) {
				t.Errorf("charge %+v: err %v, want our own error", m, err)
			}
		}
	})

	t.Run("void and refund", func(t *testing.T) {
		type step struct {
			op string // void or refund
			ok bool
		}
		tests := []struct {
			name  string
			steps []step
		}{
			{"void", []step{{"void", true}}},
			{"refund", []step{{"refund", true}}},
			{"void twice is harmless", []step{{"void", true}, {"void", true}}},
			{"refund twice is harmless", []step{{"refund", true}, {"refund", true}}},
			{"no refund after a void", []step{{"void", true}, {"refund", false}}},
			{"no void after a refund", []step{{"refund", true}, {"void", false}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := newPayments()
				c, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1")
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range tt.steps {
					do := p.Void
					if s.op == "refund" {
						do = p.Refund
					}
					if err := do(ctx, c); (err == nil) != s.ok {
						t.Fatalf("step %d (%s): err %v, want ok=%v", i, s.op, err, s.ok)
					}
				}
				if _, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1"); err == nil {
					t.Fatal("charging a voided or refunded attempt's ref again succeeded")
				}
			})
		}
		p := newPayments()
		unknown := domainpay.Charge{Ref: "ch_other_unknown", Money: eur}
		if err := p.Void(ctx, unknown); err == nil {
			t.Error("void of an unknown charge succeeded")
		}
		if err := p.Refund(ctx, unknown); err == nil {
			t.Error("refund of an unknown charge succeeded")
		}
	})

	t.Run("a cancelled context charges nothing", func(t *testing.T) {
		p := newPayments()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := p.Charge(cctx, token(t, "tok_visa"), eur, "attempt-1"); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		c, err := p.Charge(ctx, token(t, "tok_visa"), eur, "attempt-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Void(cctx, c); !errors.Is(err, context.Canceled) {
			t.Fatalf("void: err %v, want context.Canceled", err)
		}
	})

	t.Run("concurrent charges with one ref make one charge", func(t *testing.T) {
		p := newPayments()
		const n = 100
		start := make(chan struct{})
		results := make(chan domainpay.Charge, n)
		errs := make(chan error, n)
		visa := token(t, "tok_visa")
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				c, err := p.Charge(ctx, visa, eur, "attempt-1")
				if err != nil {
					errs <- err
					return
				}
				results <- c
			})
		}
		close(start)
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		refs := map[string]int{}
		for c := range results {
			refs[c.Ref]++
		}
		if len(refs) != 1 {
			t.Fatalf("%d distinct charges, want 1: %v", len(refs), refs)
		}
	})
}

// The test provider's own bookkeeping, for tests of other packages.
func TestChargesRecordsStatePerCharge(t *testing.T) {
	ctx := context.Background()
	p := payment.NewTestProvider()
	if got := p.Charges(); len(got) != 0 {
		t.Fatalf("new provider has %d charges", len(got))
	}
	visa, err := p.Charge(ctx, token(t, "tok_visa"), eur, "a")
	if err != nil {
		t.Fatal(err)
	}
	amex, err := p.Charge(ctx, token(t, "tok_amex"), domainpay.Money{Amount: 500, Currency: "USD"}, "b")
	if err != nil {
		t.Fatal(err)
	}
	mc, err := p.Charge(ctx, token(t, "tok_mastercard"), eur, "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Charge(ctx, token(t, "tok_chargeDeclined"), eur, "d"); err == nil {
		t.Fatal("declining token approved")
	}
	if err := p.Void(ctx, visa); err != nil {
		t.Fatal(err)
	}
	if err := p.Refund(ctx, amex); err != nil {
		t.Fatal(err)
	}
	want := []payment.Recorded{
		{Charge: visa, Ref: "a", Card: "visa", State: payment.Voided},
		{Charge: amex, Ref: "b", Card: "amex", State: payment.Refunded},
		{Charge: mc, Ref: "c", Card: "mastercard", State: payment.Captured},
	}
	got := p.Charges()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("charges\n%+v\nwant\n%+v", got, want)
	}
	for _, r := range got {
		if !strings.HasPrefix(r.Charge.Ref, payment.ChargePrefix) || len(r.Charge.Ref) != len(payment.ChargePrefix)+36 {
			t.Errorf("charge ref %q, want %s<uuid>", r.Charge.Ref, payment.ChargePrefix)
		}
	}
	got[0].State = payment.Captured
	if p.Charges()[0].State != payment.Voided {
		t.Fatal("Charges returned the provider's own records")
	}
}

// A charge made before a restart can still be refunded: a real provider
// remembers it, and so does this one's answer.
func TestRefundAfterRestart(t *testing.T) {
	ctx := context.Background()
	before := payment.NewTestProvider()
	c, err := before.Charge(ctx, token(t, "tok_visa"), domainpay.Money{Amount: 1000, Currency: "EUR"}, "b1:EUR")
	if err != nil {
		t.Fatal(err)
	}
	after := payment.NewTestProvider()
	if err := after.Refund(ctx, c); err != nil {
		t.Fatalf("refund after a restart: %v", err)
	}
	if err := after.Refund(ctx, c); err != nil {
		t.Fatalf("second refund: %v", err)
	}
}
