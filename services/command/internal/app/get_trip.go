package app

import (
	"context"
	"errors"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// GetTrip reads a guest's own trip.
type GetTrip struct {
	trips Trips
	now   Clock
}

// NewGetTrip refuses nil dependencies.
func NewGetTrip(trips Trips, now Clock) (*GetTrip, error) {
	if trips == nil || now == nil {
		return nil, errors.New("get trip: nil dependency")
	}
	return &GetTrip{trips: trips, now: now}, nil
}

// Handle returns the trip, trip.ErrNotFound (unknown or someone else's) or
// trip.ErrExpired.
func (uc *GetTrip) Handle(ctx context.Context, guest, rawID string) (trip.Trip, error) {
	id, err := trip.ParseID(rawID)
	if err != nil {
		return trip.Trip{}, trip.Invalid("trip_id", err.Error())
	}
	t, err := uc.trips.Get(ctx, guest, id)
	if err != nil {
		return trip.Trip{}, err
	}
	if t.Expired(uc.now()) {
		return trip.Trip{}, trip.ErrExpired
	}
	return t, nil
}
