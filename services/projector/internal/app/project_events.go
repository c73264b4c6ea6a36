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
	Applied, Stale, Malformed int
	// OccurredAt lists when each well-formed event happened, for lag metrics.
	OccurredAt []time.Time
}

// Handle decodes raw events and applies them in order. Malformed events are
// logged and skipped: retrying them can never succeed.
func (p *ProjectEvents) Handle(ctx context.Context, raw [][]byte) (Result, error) {
	updates := make([]Update, 0, len(raw))
	var res Result
	for _, b := range raw {
		u, err := decode(b)
		if err != nil {
			p.log.ErrorContext(ctx, "skipping malformed event", "err", err)
			res.Malformed++
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

func decode(b []byte) (Update, error) {
	env, err := events.Decode(b)
	if err != nil {
		return Update{}, err
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
		err = fmt.Errorf("%w: unknown type %q", events.ErrMalformed, env.Type)
	}
	return u, err
}

func decodeFlight(payload []byte, u *Update) error {
	var f events.Flight
	if err := json.Unmarshal(payload, &f); err != nil {
		return fmt.Errorf("%w: flight payload: %v", events.ErrMalformed, err)
	}
	u.Flight = &Flight{
		Number: f.Number, Origin: f.Origin, Destination: f.Destination,
		DepartureAt: f.DepartureAt, ArrivalAt: f.ArrivalAt, Status: f.Status,
		Currency: f.Currency, Fares: f.Fares, Capacity: f.Capacity, Layout: f.Layout,
	}
	u.SoldSeats, u.HasSeats = nonNil(f.SoldSeats), true
	return nil
}

func decodeSeats(payload []byte, status string, u *Update) error {
	var s events.Seats
	if err := json.Unmarshal(payload, &s); err != nil {
		return fmt.Errorf("%w: seats payload: %v", events.ErrMalformed, err)
	}
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
