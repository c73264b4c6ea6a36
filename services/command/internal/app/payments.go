package app

import (
	"context"

	"github.com/altisair/altis/services/command/internal/domain/payment"
)

// Payments charges, voids and refunds through a payment provider.
//
// Errors: payment.ErrDeclined when the provider refuses (the guest may pay
// again with another card), payment.ErrProvider when it fails; anything
// else is our own fault.
type Payments interface {
	// Charge takes m with token; ref identifies the attempt so a retried call never charges twice.
	// A ref names one attempt: reusing it for other money or another
	// token, or once its charge was voided or refunded, is an error.
	Charge(ctx context.Context, token payment.Token, m payment.Money, ref string) (payment.Charge, error)
	Void(ctx context.Context, c payment.Charge) error   // undo a charge made moments ago
	Refund(ctx context.Context, c payment.Charge) error // return a settled charge
}
