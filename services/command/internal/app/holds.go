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
	// Create stores t, held for ttl, and returns its expiry; it fails with
	// trip.ErrTooManyTrips or trip.ErrTooManySeats at the owner's limits.
	Create(ctx context.Context, t trip.Trip, ttl time.Duration) (time.Time, error)
	// Get reads the whole trip with the seats it holds.
	Get(ctx context.Context, guest, id string) (trip.Trip, error)
	// Summary reads what a seat hold needs of a trip.
	Summary(ctx context.Context, guest, id string) (trip.Summary, error)
	// SavePassengers stores t's passengers and quote if the stored trip is
	// still at t.Version, else trip.ErrConflict.
	SavePassengers(ctx context.Context, t trip.Trip) error
}

// SeatHold asks for one seat for one trip.
type SeatHold struct {
	TripID, FlightID string
	Seat             trip.SeatNumber
	ExpiresAt        time.Time // the trip's expiry: the hold ends with it
	Limit            int       // seats the trip may hold on the flight
}

// Holds locks single seats atomically.
type Holds interface {
	// Hold locks the seat until r.ExpiresAt and reports whether the trip
	// held it already; trip.ErrSeatUnavailable, trip.ErrSeatLimit or
	// trip.ErrExpired otherwise.
	Hold(ctx context.Context, r SeatHold) (already bool, err error)
	// Release frees a seat the trip holds, else trip.ErrSeatNotHeld.
	Release(ctx context.Context, tripID, flightID string, seat trip.SeatNumber) error
	// Sweep tidies up to max flights with expired holds; it returns how
	// many it visited.
	Sweep(ctx context.Context, max int) (int, error)
}

// Clock returns the current time; tests pin it.
type Clock func() time.Time
