package app

import (
	"context"
	"time"

	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// Bookings stores bookings in the write model. Every read and change is by
// owner: another guest's booking is booking.ErrNotFound.
type Bookings interface {
	// Commit writes b in one transaction (booking, passengers, seats,
	// inventory, outbox, payments and, with idem, the request's answer)
	// and returns the booking as written (with its reference) and each
	// flight's new inventory version. It fails with booking.ErrSeatTaken,
	// booking.ErrSoldOut or trip.ErrClosed (the trip is booked already).
	Commit(ctx context.Context, b booking.Booking, idem *IdempotencyAnswer) (booking.Booking, map[string]int64, error)
	// Get reads the guest's booking.
	Get(ctx context.Context, guest, id string) (booking.Booking, error)
	// Cancel cancels the guest's booking and releases its seats in one
	// transaction; changed is false when it was cancelled already.
	Cancel(ctx context.Context, guest, id string, now time.Time) (b booking.Booking, changed bool, err error)
	// MarkRefunded records that the booking's charge ref was refunded.
	MarkRefunded(ctx context.Context, bookingID, ref string) error
}

// TripGate closes a trip while it is committed, so a trip becomes at most
// one booking and changes no more meanwhile.
type TripGate interface {
	// Close fails with trip.ErrClosed when the trip is not open (a commit
	// runs or ran), trip.ErrExpired or trip.ErrNotFound.
	Close(ctx context.Context, guest, id string) error
	Reopen(ctx context.Context, guest, id string) error
	Booked(ctx context.Context, guest, id string) error
}

// SeatSales is what a commit asks of the holds.
type SeatSales interface {
	// Close and Reopen stop and restart the trip's seat holds and releases.
	Close(ctx context.Context, t trip.Trip) error
	Reopen(ctx context.Context, t trip.Trip) error
	// CheckHeld fails with booking.ErrSeatNotHeld unless the guest's trip
	// holds every listed seat right now.
	CheckHeld(ctx context.Context, guest string, t trip.Trip, seats map[string][]trip.SeatNumber) error
	// Sell ends the holds of sold seats and shows them sold at once.
	Sell(ctx context.Context, tripID string, seats map[string][]trip.SeatNumber, versions map[string]int64) error
}

// IdempotencyAnswer lets a commit store its own answer in its transaction:
// Render gives the status and body the request answers with.
type IdempotencyAnswer struct {
	Slot   *IdempotencySlot
	Render func(booking.Booking) (status int, body []byte, err error)
}
