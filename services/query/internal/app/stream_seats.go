package app

import (
	"context"
	"errors"

	"github.com/altisair/altis/services/query/internal/domain"
)

// maxReplay is the most changes a stream replays; a client further behind
// is told to resync instead.
const maxReplay = 10_000

// SeatChange is one change of one seat of a flight, as streamed to
// shoppers: never a trip or a guest.
type SeatChange struct {
	ID         EventID
	Name       string // seat_held, seat_released or seat_sold
	FlightID   string
	SeatNumber string
	Status     string // held, available or sold
	Version    int64  // the flight's seat change count
}

// FlightCatalog tells whether the index knows a flight.
type FlightCatalog interface {
	// FlightExists reports whether flightID is indexed (an error when there
	// is no index at all).
	FlightExists(ctx context.Context, flightID string) (bool, error)
}

// SeatLog is the retained history of each flight's seat changes.
type SeatLog interface {
	// After returns up to limit changes of flightID that come after after,
	// oldest first, with the ids of the oldest and newest retained changes
	// (zero when none is retained), all read at one instant.
	After(ctx context.Context, flightID string, after EventID, limit int) (SeatLogPage, error)
}

// SeatLogPage is one read of a flight's seat history.
type SeatLogPage struct {
	Changes     []SeatChange
	First, Last EventID
}

// Replay is what a stream sends before live changes.
type Replay struct {
	// Changes the client missed, oldest first.
	Changes []SeatChange
	// Resync: what the client missed is no longer retained, so it must
	// fetch the seat map again; Changes is then empty.
	Resync bool
	// Last is the newest change the client knows of after the replay
	// (zero: none); live changes up to it must not be sent again.
	Last EventID
}

// StreamSeats opens seat streams: it checks the flight and replays what a
// reconnecting client missed.
type StreamSeats struct {
	flights FlightCatalog
	log     SeatLog
}

// NewStreamSeats builds the use case.
func NewStreamSeats(flights FlightCatalog, log SeatLog) (*StreamSeats, error) {
	if flights == nil || log == nil {
		return nil, errors.New("stream seats: nil dependency")
	}
	return &StreamSeats{flights: flights, log: log}, nil
}

// Open returns domain.ErrFlightNotFound unless the flight is indexed.
func (s *StreamSeats) Open(ctx context.Context, flightID string) error {
	ok, err := s.flights.FlightExists(ctx, flightID)
	if err != nil {
		return err
	}
	if !ok {
		return domain.ErrFlightNotFound
	}
	return nil
}

// CatchUp returns the changes of flightID after after. When some of them
// are no longer retained (after is older than the oldest change kept, or
// names no change of this stream), or there are too many, it asks for a
// resync and Last is the newest change retained.
func (s *StreamSeats) CatchUp(ctx context.Context, flightID string, after EventID) (Replay, error) {
	page, err := s.log.After(ctx, flightID, after, maxReplay+1)
	if err != nil {
		return Replay{}, err
	}
	return replay(page, after), nil
}

func replay(page SeatLogPage, after EventID) Replay {
	if page.Last.IsZero() || after.Less(page.First) || page.Last.Less(after) || len(page.Changes) > maxReplay {
		return Replay{Resync: true, Last: page.Last}
	}
	out := Replay{Changes: make([]SeatChange, 0, len(page.Changes)), Last: after}
	for _, c := range page.Changes {
		if after.Less(c.ID) && out.Last.Less(c.ID) {
			out.Changes = append(out.Changes, c)
			out.Last = c.ID
		}
	}
	return out
}
