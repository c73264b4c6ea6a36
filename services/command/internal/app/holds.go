package app

import (
	"context"
	"time"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// Catalog reads flights and aircraft seat maps from the write model.
type Catalog interface {
	// Flights returns the flights among ids that exist, by id.
	Flights(ctx context.Context, ids []string) (map[string]trip.Flight, error)
	// Seats returns an aircraft's seats, each with whether it is blocked.
	Seats(ctx context.Context, aircraft string) (map[trip.SeatNumber]bool, error)
}

// Trips stores trip holds. Every read is by owner and id: another guest's
// trip is trip.ErrNotFound.
type Trips interface {
	// Now is the clock trips expire by (the store's, shared by every
	// instance).
	Now(ctx context.Context) (time.Time, error)
	// Create stores t until t.ExpiresAt; it fails with
	// trip.ErrTooManyTrips or trip.ErrTooManySeats at the owner's limits.
	Create(ctx context.Context, t trip.Trip) error
	// Get reads the whole trip with the seats it holds.
	Get(ctx context.Context, guest, id string) (trip.Trip, error)
	// Summary reads the little a failed seat hold needs to explain itself.
	Summary(ctx context.Context, guest, id string) (trip.Summary, error)
	// SavePassengers stores t's passengers and quote if the stored trip is
	// still at t.Version, else trip.ErrConflict.
	SavePassengers(ctx context.Context, t trip.Trip) error
}

// SeatRequest names one seat of one flight of a trip.
type SeatRequest struct {
	TripID, FlightID string
	Seat             trip.SeatNumber
}

// Holds locks single seats atomically, each decision one step on the
// flight's own state.
type Holds interface {
	// Attach gives each flight of t what its seat holds check of the trip
	// (owner, expiry, seat limit), and the flight's seat catalog (seats by
	// aircraft, true when blocked) if it has none.
	Attach(ctx context.Context, t trip.Trip, seats map[string]map[trip.SeatNumber]bool) error
	// RaiseLimit lets t hold t.SeatLimit() seats on each of its flights.
	RaiseLimit(ctx context.Context, t trip.Trip) error
	// Hold locks the seat for the guest's trip until the trip expires and
	// returns that expiry and whether the trip held the seat already.
	// Errors: trip.ErrNotFound (no such trip of the guest's on the
	// flight), trip.ErrExpired, trip.ErrClosed, trip.ErrNoSuchSeat,
	// trip.ErrSeatUnavailable or trip.ErrSeatLimit.
	Hold(ctx context.Context, guest string, r SeatRequest) (time.Time, bool, error)
	// Release frees a seat the guest's trip holds, else
	// trip.ErrSeatNotHeld (or trip.ErrNotFound, trip.ErrExpired).
	Release(ctx context.Context, guest string, r SeatRequest) error
	// Sweep tidies up to max flights with expired holds; it returns how
	// many it visited.
	Sweep(ctx context.Context, max int) (int, error)
}

// Clock returns the current time; tests pin it.
type Clock func() time.Time
