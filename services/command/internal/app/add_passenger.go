package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// AddPassenger names a traveller on a trip and re-prices the party with the
// trip's locked rules and moment.
type AddPassenger struct {
	trips  Trips
	holds  Holds
	prices *pricing.Engine
	now    Clock
}

// NewAddPassenger refuses nil dependencies.
func NewAddPassenger(trips Trips, holds Holds, prices *pricing.Engine, now Clock) (*AddPassenger, error) {
	if trips == nil || holds == nil || prices == nil || now == nil {
		return nil, errors.New("add passenger: nil dependency")
	}
	return &AddPassenger{trips: trips, holds: holds, prices: prices, now: now}, nil
}

// PassengerInput is a passenger as received.
type PassengerInput struct {
	FirstName, LastName, Type string
}

// maxAttempts bounds retries when the same trip changes concurrently.
const maxAttempts = 5

// Handle adds the passenger and returns its id.
func (uc *AddPassenger) Handle(ctx context.Context, guest, rawTripID string, in PassengerInput) (string, error) {
	id, err := trip.ParseID(rawTripID)
	if err != nil {
		return "", trip.Invalid("trip_id", err.Error())
	}
	p, err := trip.ParsePassenger(uuid.NewString(), in.FirstName, in.LastName, in.Type)
	if err != nil {
		return "", err
	}
	for range maxAttempts {
		err = uc.try(ctx, guest, id, p)
		if !errors.Is(err, trip.ErrConflict) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

func (uc *AddPassenger) try(ctx context.Context, guest, id string, p trip.Passenger) error {
	t, err := uc.trips.Get(ctx, guest, id)
	if err != nil {
		return err
	}
	if t.Expired(uc.now()) {
		return trip.ErrExpired
	}
	if err := t.AddPassenger(p); err != nil {
		return err
	}
	// The same flights (with the load they had) and the same moment: the
	// price is the one locked when the trip was held.
	q, err := uc.prices.Quote(t.Quote.Flights, t.PassengerTypes(), t.Quote.At)
	if err != nil {
		return err
	}
	if q.RulesVersion != t.Quote.RulesVersion {
		return trip.ErrQuoteChanged
	}
	t.Quote = q
	if err := uc.trips.SavePassengers(ctx, t); err != nil {
		return err
	}
	// A limit only grows: if this step is lost, the trip holds fewer seats
	// than it may, never more.
	return uc.holds.RaiseLimit(ctx, t)
}
