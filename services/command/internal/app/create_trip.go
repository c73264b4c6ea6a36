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
	prices  *pricing.Engine
	ttl     time.Duration
	now     Clock
}

// NewCreateTrip refuses nil dependencies and a non-positive hold time.
func NewCreateTrip(catalog Catalog, trips Trips, prices *pricing.Engine, ttl time.Duration, now Clock) (*CreateTrip, error) {
	if catalog == nil || trips == nil || prices == nil || now == nil || ttl <= 0 {
		return nil, errors.New("create trip: nil dependency or non-positive hold time")
	}
	return &CreateTrip{catalog: catalog, trips: trips, prices: prices, ttl: ttl, now: now}, nil
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
	now := uc.now().UTC()
	if err := trip.CheckBookable(ids, found, now); err != nil {
		return trip.Trip{}, err
	}
	t := trip.Trip{ID: uuid.NewString(), Owner: guest, CreatedAt: now, Flights: make([]trip.Flight, len(ids))}
	for i, id := range ids {
		t.Flights[i] = found[id]
	}
	if t.Quote, err = quote(uc.prices, t, now); err != nil {
		return trip.Trip{}, err
	}
	if t.ExpiresAt, err = uc.trips.Create(ctx, t, uc.ttl); err != nil {
		return trip.Trip{}, err
	}
	return t, nil
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
