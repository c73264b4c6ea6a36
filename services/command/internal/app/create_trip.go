package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// CreateTrip holds an itinerary and locks its price for the hold's life.
type CreateTrip struct {
	catalog Catalog
	trips   Trips
	holds   Holds
	prices  *pricing.Engine
	ttl     time.Duration
}

// NewCreateTrip refuses nil dependencies and a non-positive hold time.
func NewCreateTrip(catalog Catalog, trips Trips, holds Holds, prices *pricing.Engine, ttl time.Duration) (*CreateTrip, error) {
	if catalog == nil || trips == nil || holds == nil || prices == nil || ttl <= 0 {
		return nil, errors.New("create trip: nil dependency or non-positive hold time")
	}
	return &CreateTrip{catalog: catalog, trips: trips, holds: holds, prices: prices, ttl: ttl}, nil
}

// Handle holds the flights (ids as received) for guest and returns the new
// trip with its expiry.
func (uc *CreateTrip) Handle(ctx context.Context, guest string, rawIDs []string) (trip.Trip, error) {
	ids, err := trip.ParseFlightIDs(rawIDs)
	if err != nil {
		return trip.Trip{}, err
	}
	found, err := uc.catalog.Flights(ctx, ids)
	if err != nil {
		return trip.Trip{}, err
	}
	now, err := uc.trips.Now(ctx)
	if err != nil {
		return trip.Trip{}, err
	}
	if err := trip.CheckBookable(ids, found, now); err != nil {
		return trip.Trip{}, err
	}
	t := trip.Trip{ID: uuid.NewString(), Owner: guest, CreatedAt: now, ExpiresAt: now.Add(uc.ttl),
		Flights: make([]trip.Flight, len(ids))}
	for i, id := range ids {
		t.Flights[i] = found[id]
	}
	if t.Quote, err = quote(uc.prices, t, now); err != nil {
		return trip.Trip{}, err
	}
	seats, err := uc.seatsOf(ctx, t)
	if err != nil {
		return trip.Trip{}, err
	}
	// The flights learn of the trip first: until the trip itself is stored
	// nobody knows its id, and if storing it is refused (a guest limit)
	// what the flights hold is never used and expires.
	if err := uc.holds.Attach(ctx, t, seats); err != nil {
		return trip.Trip{}, err
	}
	if err := uc.trips.Create(ctx, t); err != nil {
		return trip.Trip{}, err
	}
	return t, nil
}

// seatsOf reads the seat map of every aircraft of the trip.
func (uc *CreateTrip) seatsOf(ctx context.Context, t trip.Trip) (map[string]map[trip.SeatNumber]bool, error) {
	out := map[string]map[trip.SeatNumber]bool{}
	for _, f := range t.Flights {
		if out[f.Aircraft] != nil {
			continue
		}
		seats, err := uc.catalog.Seats(ctx, f.Aircraft)
		if err != nil {
			return nil, err
		}
		out[f.Aircraft] = seats
	}
	return out, nil
}

// quote prices the trip's party on its flights, each in its lowest cabin,
// at the moment at.
func quote(prices *pricing.Engine, t trip.Trip, at time.Time) (pricing.Quote, error) {
	flights := make([]pricing.Flight, len(t.Flights))
	for i, f := range t.Flights {
		cabin, ok := pricing.LowestCabin(f.Fares)
		if !ok {
			return pricing.Quote{}, fmt.Errorf("flight %s has no fares", f.ID)
		}
		flights[i] = pricing.Flight{FlightID: f.ID, Origin: f.Origin, Destination: f.Destination,
			Cabin: cabin, BaseFare: f.Fares[cabin], Currency: f.Currency, Departure: f.DepartureAt,
			Capacity: f.Capacity, Sold: f.Sold}
	}
	return prices.Quote(flights, t.PassengerTypes(), at)
}
