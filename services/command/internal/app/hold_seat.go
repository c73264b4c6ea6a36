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
	trips Trips
	holds Holds
}

// NewHoldSeat refuses nil dependencies.
func NewHoldSeat(trips Trips, holds Holds) (*HoldSeat, error) {
	if trips == nil || holds == nil {
		return nil, errors.New("hold seat: nil dependency")
	}
	return &HoldSeat{trips: trips, holds: holds}, nil
}

// Handle lets one atomic step on the flight's state decide, in one round
// trip: the trip is the guest's, alive, open and on this flight; the seat
// exists on the aircraft, is not blocked, sold or held by another live
// trip; and the trip is under its seat limit on the flight. Only a refusal
// costs a second read, to say precisely why.
func (uc *HoldSeat) Handle(ctx context.Context, guest string, in SeatInput) (HeldSeat, error) {
	req, err := parseSeatInput(in)
	if err != nil {
		return HeldSeat{}, err
	}
	exp, already, err := uc.holds.Hold(ctx, guest, req)
	if err != nil {
		return HeldSeat{}, explain(ctx, uc.trips, guest, req, err)
	}
	return HeldSeat{TripID: req.TripID, FlightID: req.FlightID, Seat: req.Seat, ExpiresAt: exp, Already: already}, nil
}

// explain turns a refusal from the flight's state into the error the guest
// should see: a trip that is not on that flight is a bad request, one that
// does not exist (or is someone else's) is not found.
func explain(ctx context.Context, trips Trips, guest string, req SeatRequest, err error) error {
	switch {
	case errors.Is(err, trip.ErrNoSuchSeat):
		return trip.Invalid("seat_number", err.Error())
	case !errors.Is(err, trip.ErrNotFound):
		return err
	}
	sum, serr := trips.Summary(ctx, guest, req.TripID)
	if serr != nil {
		return serr
	}
	if _, ok := sum.Aircraft[req.FlightID]; !ok {
		return trip.Invalid("flight_id", "the flight is not on this trip")
	}
	return err
}

func parseSeatInput(in SeatInput) (SeatRequest, error) {
	f := trip.Fields{}
	var r SeatRequest
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
