package app

import (
	"context"
	"errors"
)

// ReleaseSeat frees a seat a guest's trip holds.
type ReleaseSeat struct {
	trips Trips
	holds Holds
}

// NewReleaseSeat refuses nil dependencies.
func NewReleaseSeat(trips Trips, holds Holds) (*ReleaseSeat, error) {
	if trips == nil || holds == nil {
		return nil, errors.New("release seat: nil dependency")
	}
	return &ReleaseSeat{trips: trips, holds: holds}, nil
}

// Handle releases the seat; trip.ErrSeatNotHeld (package domain/trip)
// when the trip does not hold it.
func (uc *ReleaseSeat) Handle(ctx context.Context, guest string, in SeatInput) (HeldSeat, error) {
	req, err := parseSeatInput(in)
	if err != nil {
		return HeldSeat{}, err
	}
	if err := uc.holds.Release(ctx, guest, req); err != nil {
		return HeldSeat{}, explain(ctx, uc.trips, guest, req, err)
	}
	return HeldSeat{TripID: req.TripID, FlightID: req.FlightID, Seat: req.Seat}, nil
}
