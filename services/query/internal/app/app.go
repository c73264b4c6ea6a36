// Package app holds the query service's use cases: flight search, seat maps
// and seat streams, all served from Redis alone.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/altisair/altis/services/query/internal/domain"
)

// ErrNoIndex means the availability index has not been built yet (or Redis
// was wiped and the projector is rebuilding it). Index implementations
// return it, wrapped or not; the HTTP port answers 503.
var ErrNoIndex = errors.New("the availability index is not available yet")

// Index is the read side of the availability index. Its methods return
// ErrNoIndex while there is no index.
type Index interface {
	// Legs returns, for each leg in order, the flights departing on its
	// date (from since on), and whether each airport is served at all.
	Legs(ctx context.Context, legs []domain.Leg, since time.Time) ([]LegFlights, error)
	// SeatMap returns a flight with its layout, sold seats and live holds,
	// or domain.ErrFlightNotFound.
	SeatMap(ctx context.Context, flightID string) (FlightSeats, error)
}

// FlightSeats is a flight with its seat layout and the seats sold and held.
type FlightSeats struct {
	Flight     domain.Flight
	Layout     domain.Layout
	Sold, Held map[string]bool
}

// LegFlights is what the index holds for one leg.
type LegFlights struct {
	Flights                       []domain.Flight
	OriginKnown, DestinationKnown bool
}

// Clock returns the current time; tests pin it.
type Clock func() time.Time
