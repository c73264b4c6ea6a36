package app

import (
	"context"
	"errors"
)

// ReleaseSeat frees a seat a guest's trip holds.
type ReleaseSeat struct {
	trips Trips
	holds Holds
	now   Clock
}

// NewReleaseSeat refuses nil dependencies.
func NewReleaseSeat(trips Trips, holds Holds, now Clock) (*ReleaseSeat, error) {
	if trips == nil || holds == nil || now == nil {
		return nil, errors.New("release seat: nil dependency")
	}
	return &ReleaseSeat{trips: trips, holds: holds, now: now}, nil
}

// Handle releases the seat; trip.ErrSeatNotHeld (package domain/trip)
// when the trip does not hold it.
func (uc *ReleaseSeat) Handle(ctx context.Context, guest string, in SeatInput) (HeldSeat, error) {
	req, _, err := seatOfLiveTrip(ctx, uc.trips, uc.now, guest, in)
	if err != nil {
		return HeldSeat{}, err
	}
	if err := uc.holds.Release(ctx, req.TripID, req.FlightID, req.Seat); err != nil {
		return HeldSeat{}, err
	}
	return HeldSeat{TripID: req.TripID, FlightID: req.FlightID, Seat: req.Seat}, nil
}
