package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/payment"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// CommitBooking turns a live trip with held seats into a confirmed
// booking: it charges the trip's locked price, then writes everything in
// one PostgreSQL transaction, where the unique seat index is the final
// guard against selling a seat twice, even if Redis lost every hold.
type CommitBooking struct {
	trips    Trips
	gate     TripGate
	seats    SeatSales
	bookings Bookings
	payments Payments
	prices   *pricing.Engine
	log      *slog.Logger
}

// NewCommitBooking refuses nil dependencies.
func NewCommitBooking(trips Trips, gate TripGate, seats SeatSales, bookings Bookings, payments Payments,
	prices *pricing.Engine, log *slog.Logger) (*CommitBooking, error) {
	if trips == nil || gate == nil || seats == nil || bookings == nil || payments == nil || prices == nil || log == nil {
		return nil, errors.New("commit booking: nil dependency")
	}
	return &CommitBooking{trips: trips, gate: gate, seats: seats, bookings: bookings, payments: payments, prices: prices, log: log}, nil
}

// Handle commits the request for guest. idem, when not nil, has the
// answer stored in the booking's own transaction.
func (uc *CommitBooking) Handle(ctx context.Context, guest string, r booking.Request, idem *IdempotencyAnswer) (booking.Booking, error) {
	c, err := booking.ParseRequest(r)
	if err != nil {
		return booking.Booking{}, err
	}
	t, b, err := uc.plan(ctx, guest, c)
	if err != nil {
		return booking.Booking{}, err
	}
	// One commit per trip at a time: the trip closes (no passenger, seat
	// hold or release meanwhile) and opens again unless the booking is made.
	if err := uc.gate.Close(ctx, guest, t.ID); err != nil {
		return booking.Booking{}, err
	}
	done := false
	defer func() {
		if !done {
			uc.reopen(context.WithoutCancel(ctx), guest, t)
		}
	}()
	if err := uc.seats.Close(ctx, t); err != nil {
		return booking.Booking{}, err
	}
	if err := uc.seats.CheckHeld(ctx, guest, t, b.Seats()); err != nil {
		return booking.Booking{}, err
	}
	if b.Charges, err = uc.charge(ctx, c.Token, b); err != nil {
		return booking.Booking{}, err
	}
	written, versions, err := uc.bookings.Commit(ctx, b, idem)
	if err != nil {
		uc.void(context.WithoutCancel(ctx), b)
		return booking.Booking{}, err
	}
	done = true
	uc.afterCommit(context.WithoutCancel(ctx), guest, t, written, versions)
	return written, nil
}

// plan loads the guest's live trip and matches the request against it,
// with the party priced by the trip's locked rules and moment.
func (uc *CommitBooking) plan(ctx context.Context, guest string, c booking.Commit) (trip.Trip, booking.Booking, error) {
	t, err := uc.trips.Get(ctx, guest, c.TripID)
	if err != nil {
		return t, booking.Booking{}, err
	}
	now, err := uc.trips.Now(ctx)
	if err != nil {
		return t, booking.Booking{}, err
	}
	if t.Expired(now) {
		return t, booking.Booking{}, trip.ErrExpired
	}
	b, err := booking.Plan(t, c, guest, now)
	if err != nil {
		return t, b, err
	}
	if b.Quote, err = uc.prices.Quote(t.Quote.Flights, b.PassengerTypes(), t.Quote.At); err != nil {
		return t, b, err
	}
	if b.Quote.RulesVersion != t.Quote.RulesVersion {
		return t, b, trip.ErrQuoteChanged
	}
	return t, b, nil
}

// charge takes the quote's total in each of its currencies; a refusal
// voids what was taken already.
func (uc *CommitBooking) charge(ctx context.Context, token payment.Token, b booking.Booking) ([]booking.Payment, error) {
	var out []booking.Payment
	for _, total := range b.Quote.Totals {
		if total.Amount == 0 {
			continue // nothing to take in this currency
		}
		m := payment.Money{Amount: total.Amount, Currency: total.Currency}
		c, err := uc.payments.Charge(ctx, token, m, b.ID+":"+total.Currency)
		if err != nil {
			uc.void(context.WithoutCancel(ctx), booking.Booking{ID: b.ID, Charges: out})
			return nil, err
		}
		out = append(out, booking.Payment{Charge: c})
	}
	return out, nil
}

// void gives back every charge of a booking that was not written.
func (uc *CommitBooking) void(ctx context.Context, b booking.Booking) {
	for _, p := range b.Charges {
		if err := uc.payments.Void(ctx, p.Charge); err != nil {
			uc.log.ErrorContext(ctx, "a charge of a failed commit could not be voided: void it by hand",
				"booking_id", b.ID, "charge", p.Charge.Ref, "err", err)
		}
	}
}

func (uc *CommitBooking) reopen(ctx context.Context, guest string, t trip.Trip) {
	if err := uc.seats.Reopen(ctx, t); err != nil {
		uc.log.WarnContext(ctx, "trip seats not reopened after a failed commit", "trip_id", t.ID, "err", err)
	}
	if err := uc.gate.Reopen(ctx, guest, t.ID); err != nil {
		uc.log.WarnContext(ctx, "trip not reopened after a failed commit", "trip_id", t.ID, "err", err)
	}
}

// afterCommit shows the sale at once (read your own commit) and frees the
// guest's limits. The booking stands whatever happens here: seats still
// show held until the projector shows them sold, never available.
func (uc *CommitBooking) afterCommit(ctx context.Context, guest string, t trip.Trip, b booking.Booking, versions map[string]int64) {
	if err := uc.seats.Sell(ctx, t.ID, b.Seats(), versions); err != nil {
		uc.log.ErrorContext(ctx, "sold seats not shown before the projector", "booking_id", b.ID, "err", err)
	}
	if err := uc.gate.Booked(ctx, guest, t.ID); err != nil {
		uc.log.WarnContext(ctx, "booked trip still counts against its guest's limits", "trip_id", t.ID, "err", err)
	}
}
