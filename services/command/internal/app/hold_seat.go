package app

import (
	"context"
	"errors"
	"time"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// SeatInput names a seat of a trip as received.
type SeatInput struct {
	TripID, FlightID, Seat string
}

// HeldSeat is a seat a trip holds until ExpiresAt.
type HeldSeat struct {
	TripID, FlightID string
	Seat             trip.SeatNumber
	ExpiresAt        time.Time
	Already          bool // the trip held it before this request
}

// HoldSeat locks one seat for a guest's trip until the trip expires.
type HoldSeat struct {
	trips   Trips
	catalog Catalog
	holds   Holds
	now     Clock
}

// NewHoldSeat refuses nil dependencies.
func NewHoldSeat(trips Trips, catalog Catalog, holds Holds, now Clock) (*HoldSeat, error) {
	if trips == nil || catalog == nil || holds == nil || now == nil {
		return nil, errors.New("hold seat: nil dependency")
	}
	return &HoldSeat{trips: trips, catalog: catalog, holds: holds, now: now}, nil
}

// Handle checks what never changes here (the flight is on the trip, the
// seat exists and is not blocked), then lets one atomic Redis step decide
// the rest: the trip is alive, the seat is not sold or held by another
// live trip, and the trip is under its seat limit on the flight.
func (uc *HoldSeat) Handle(ctx context.Context, guest string, in SeatInput) (HeldSeat, error) {
	req, sum, err := seatOfLiveTrip(ctx, uc.trips, uc.now, guest, in)
	if err != nil {
		return HeldSeat{}, err
	}
	seats, err := uc.catalog.Seats(ctx, sum.Aircraft[req.FlightID])
	if err != nil {
		return HeldSeat{}, err
	}
	blocked, exists := seats[req.Seat]
	switch {
	case !exists:
		return HeldSeat{}, trip.Invalid("seat_number", "no such seat on this flight's aircraft")
	case blocked:
		return HeldSeat{}, trip.ErrSeatUnavailable
	}
	req.ExpiresAt, req.Limit = sum.ExpiresAt, sum.SeatLimit
	already, err := uc.holds.Hold(ctx, req)
	if err != nil {
		return HeldSeat{}, err
	}
	return HeldSeat{TripID: req.TripID, FlightID: req.FlightID, Seat: req.Seat, ExpiresAt: sum.ExpiresAt, Already: already}, nil
}

// seatOfLiveTrip validates a seat request against the guest's trip: the
// trip is the guest's (else trip.ErrNotFound), open and alive, and the
// flight is one of its flights.
func seatOfLiveTrip(ctx context.Context, trips Trips, now Clock, guest string, in SeatInput) (SeatHold, trip.Summary, error) {
	req, err := parseSeatInput(in)
	if err != nil {
		return req, trip.Summary{}, err
	}
	sum, err := trips.Summary(ctx, guest, req.TripID)
	switch {
	case err != nil:
		return req, sum, err
	case !sum.Open:
		return req, sum, trip.ErrClosed
	case !now().Before(sum.ExpiresAt):
		return req, sum, trip.ErrExpired
	}
	if _, ok := sum.Aircraft[req.FlightID]; !ok {
		return req, sum, trip.Invalid("flight_id", "the flight is not on this trip")
	}
	return req, sum, nil
}

func parseSeatInput(in SeatInput) (SeatHold, error) {
	f := trip.Fields{}
	var r SeatHold
	var err error
	if r.TripID, err = trip.ParseID(in.TripID); err != nil {
		f.Add("trip_id", err.Error())
	}
	if r.FlightID, err = trip.ParseID(in.FlightID); err != nil {
		f.Add("flight_id", err.Error())
	}
	if r.Seat, err = trip.ParseSeatNumber(in.Seat); err != nil {
		f.Add("seat_number", err.Error())
	}
	return r, f.Err()
}
