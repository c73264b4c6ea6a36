package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/readmodel"
)

// Index is the Redis availability index as the projector writes it.
type Index interface {
	// Apply writes updates to the current generation (and to a generation
	// being rebuilt), returning how many changed anything.
	Apply(ctx context.Context, updates []Update) (int, error)
}

// ProjectEvents turns published events into index updates.
type ProjectEvents struct {
	index Index
	log   *slog.Logger
}

// NewProjectEvents builds the use case.
func NewProjectEvents(index Index, log *slog.Logger) (*ProjectEvents, error) {
	if index == nil || log == nil {
		return nil, errors.New("project events: nil dependency")
	}
	return &ProjectEvents{index: index, log: log}, nil
}

// Result counts what a batch did.
type Result struct {
	Applied, Stale int
	// Rejected lists the events that can never be applied, for the caller
	// to set aside (dead-letter) before it commits past them.
	Rejected []Rejected
	// OccurredAt lists when each well-formed event happened, for lag metrics.
	OccurredAt []time.Time
}

// Rejected is one event of a batch that can never be applied.
type Rejected struct {
	Index  int    // its position in the batch
	Reason string // events.RejectEnvelope, RejectUnknownType or RejectPayload
	Err    error
}

// Handle decodes raw events and applies the well-formed ones in order.
// Malformed ones are returned in Result.Rejected: retrying them can never
// succeed.
func (p *ProjectEvents) Handle(ctx context.Context, raw [][]byte) (Result, error) {
	updates := make([]Update, 0, len(raw))
	var res Result
	for i, b := range raw {
		u, reason, err := decode(b)
		if err != nil {
			p.log.WarnContext(ctx, "rejecting malformed event", "reason", reason, "err", err)
			res.Rejected = append(res.Rejected, Rejected{Index: i, Reason: reason, Err: err})
			continue
		}
		updates = append(updates, u)
		res.OccurredAt = append(res.OccurredAt, u.OccurredAt)
	}
	applied, err := p.index.Apply(ctx, updates)
	if err != nil {
		return res, err
	}
	res.Applied, res.Stale = applied, len(updates)-applied
	return res, nil
}

func decode(b []byte) (Update, string, error) {
	env, err := events.Decode(b)
	if err != nil {
		return Update{}, events.RejectEnvelope, err
	}
	u := Update{FlightID: env.FlightID, Version: env.FlightVersion, OccurredAt: env.OccurredAt}
	switch env.Type {
	case events.FlightScheduled, events.FlightUpdated:
		err = decodeFlight(env.Payload, &u)
	case events.SeatsSold:
		err = decodeSeats(env.Payload, readmodel.StatusSold, &u)
	case events.SeatsReleased:
		err = decodeSeats(env.Payload, readmodel.StatusAvailable, &u)
	default:
		return u, events.RejectUnknownType, fmt.Errorf("%w: unknown type %q", events.ErrMalformed, env.Type)
	}
	if err != nil {
		return u, events.RejectPayload, err
	}
	return u, "", nil
}

func decodeFlight(payload []byte, u *Update) error {
	var f events.Flight
	if err := json.Unmarshal(payload, &f); err != nil {
		return fmt.Errorf("%w: flight payload: %v", events.ErrMalformed, err)
	}
	if err := validFlight(f); err != nil {
		return fmt.Errorf("%w: flight payload: %v", events.ErrMalformed, err)
	}
	u.Flight = &Flight{
		Number: f.Number, Origin: f.Origin, Destination: f.Destination,
		DepartureAt: f.DepartureAt, ArrivalAt: f.ArrivalAt, Status: f.Status,
		Currency: f.Currency, Fares: f.Fares, Capacity: f.Capacity, Layout: f.Layout,
		LayoutVersion: u.OccurredAt.UnixMilli(),
	}
	u.SoldSeats, u.HasSeats = nonNil(f.SoldSeats), true
	return nil
}

// validFlight refuses a flight document the index could not serve: without
// a route, a departure, an aircraft or seats to sell.
func validFlight(f events.Flight) error {
	switch {
	case f.Number == "" || f.Origin == "" || f.Destination == "":
		return errors.New("number, origin and destination are required")
	case f.DepartureAt.IsZero() || !f.ArrivalAt.After(f.DepartureAt):
		return errors.New("departure_at is required and arrival_at must follow it")
	case f.Layout.Aircraft == "" || len(f.Layout.Cabins) == 0:
		return errors.New("layout needs an aircraft and at least one cabin")
	case f.Capacity < 1 || len(f.SoldSeats) > f.Capacity:
		return errors.New("capacity must be positive and hold every sold seat")
	}
	return nil
}

func decodeSeats(payload []byte, status string, u *Update) error {
	var s events.Seats
	if err := json.Unmarshal(payload, &s); err != nil {
		return fmt.Errorf("%w: seats payload: %v", events.ErrMalformed, err)
	}
	if len(s.Seats) == 0 {
		return fmt.Errorf("%w: seats payload: no seats changed", events.ErrMalformed)
	}
	// sold_seats is null when the last sold seat was released.
	u.SoldSeats, u.HasSeats = nonNil(s.SoldSeats), true
	u.Change = &SeatChange{Status: status, Seats: s.Seats}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
