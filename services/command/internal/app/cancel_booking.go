package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// CancelBooking cancels a guest's booking: its seats return to sale through
// the same event path as a sale, and its payments are refunded.
type CancelBooking struct {
	trips    Trips
	bookings Bookings
	payments Payments
	log      *slog.Logger
}

// NewCancelBooking refuses nil dependencies.
func NewCancelBooking(trips Trips, bookings Bookings, payments Payments, log *slog.Logger) (*CancelBooking, error) {
	if trips == nil || bookings == nil || payments == nil || log == nil {
		return nil, errors.New("cancel booking: nil dependency")
	}
	return &CancelBooking{trips: trips, bookings: bookings, payments: payments, log: log}, nil
}

// Handle cancels the booking (cancelling twice changes nothing) and
// refunds every charge not refunded yet: a refund that failed before is
// tried again by cancelling again.
func (uc *CancelBooking) Handle(ctx context.Context, guest, rawID string) (booking.Booking, error) {
	id, err := trip.ParseID(rawID)
	if err != nil {
		return booking.Booking{}, trip.Invalid("booking_id", err.Error())
	}
	now, err := uc.trips.Now(ctx)
	if err != nil {
		return booking.Booking{}, err
	}
	b, _, err := uc.bookings.Cancel(ctx, guest, id, now)
	if err != nil {
		return b, err
	}
	for i, p := range b.Charges {
		if p.Refunded {
			continue
		}
		if err := uc.payments.Refund(ctx, p.Charge); err != nil {
			return b, err
		}
		if err := uc.bookings.MarkRefunded(ctx, b.ID, p.Charge.Ref); err != nil {
			return b, err
		}
		b.Charges[i].Refunded = true
	}
	return b, nil
}
