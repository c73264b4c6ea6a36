package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

//go:embed holds.lua
var holdsSource string

//go:embed due.lua
var dueSource string

var (
	holdsScript = platformredis.NewScript(readmodel.Lua(holdsSource))
	dueScript   = platformredis.NewScript(readmodel.Lua(dueSource))
)

// Holds locks single seats for trips, one atomic script per decision on
// the flight's slot, and emits a seat event for every change.
type Holds struct {
	client       rueidis.Client
	keys         readmodel.Keys
	streamMaxLen string
	keep         string // ms hold keys outlive the last hold
}

// NewHolds returns the store; streamMaxLen bounds each flight's event history.
func NewHolds(client rueidis.Client, keys readmodel.Keys, streamMaxLen int) (*Holds, error) {
	if client == nil || streamMaxLen < 1 {
		return nil, errors.New("redis holds: client and a positive stream length are required")
	}
	return &Holds{client: client, keys: keys, streamMaxLen: strconv.Itoa(streamMaxLen), keep: ms(time.Hour)}, nil
}

func (h *Holds) flightRun(flightID, tripID string, args ...string) platformredis.Run {
	keys := []string{h.keys.Holds(flightID), h.keys.Holders(flightID), h.keys.SeatEvents(flightID),
		h.keys.SeatSeq(flightID), h.keys.TripFlight(flightID, tripID), h.keys.SeatCatalog(flightID),
		h.keys.RecentSold(flightID)}
	return platformredis.Run{Script: holdsScript, Keys: keys,
		Args: append([]string{h.keys.Prefix(), args[0], flightID, h.streamMaxLen}, args[1:]...)}
}

func (h *Holds) dueRun(args ...string) platformredis.Run {
	return platformredis.Run{Script: dueScript, Keys: []string{h.keys.HoldsDue(), h.keys.HoldsTouched()},
		Args: append([]string{h.keys.Prefix()}, args...)}
}

// Attach writes, on each flight's slot, what a seat hold checks of the
// trip (owner, expiry, seat limit, open) and the flight's seat catalog
// when it has none yet. It runs before the trip is stored.
func (h *Holds) Attach(ctx context.Context, t trip.Trip, seats map[string]map[trip.SeatNumber]bool) error {
	exp := strconv.FormatInt(t.ExpiresAt.UnixMilli(), 10)
	keep := strconv.FormatInt(t.ExpiresAt.Add(time.Hour).UnixMilli(), 10)
	runs := make([]platformredis.Run, len(t.Flights))
	for i, f := range t.Flights {
		// The catalog outlives every trip on the flight: kept a day past
		// its arrival, and never less than this trip's keys.
		until := f.ArrivalAt.Add(24 * time.Hour)
		if until.Before(t.ExpiresAt.Add(time.Hour)) {
			until = t.ExpiresAt.Add(time.Hour)
		}
		catalogUntil := strconv.FormatInt(until.UnixMilli(), 10)
		args := []string{"attach", t.ID, t.Owner, exp, strconv.Itoa(t.SeatLimit()), keep, catalogUntil}
		for seat, blocked := range seats[f.Aircraft] {
			args = append(args, string(seat), flag(blocked))
		}
		runs[i] = h.flightRun(f.ID, t.ID, args...)
	}
	return h.each(ctx, "Attach", runs)
}

// RaiseLimit lets the trip hold up to limit seats on each of its flights.
func (h *Holds) RaiseLimit(ctx context.Context, t trip.Trip) error {
	runs := make([]platformredis.Run, len(t.Flights))
	for i, f := range t.Flights {
		runs[i] = h.flightRun(f.ID, t.ID, "limit", strconv.Itoa(t.SeatLimit()))
	}
	return h.each(ctx, "RaiseLimit", runs)
}

// Close stops every seat hold and release of the guest's trip t (a commit
// is under way); Reopen undoes it.
func (h *Holds) Close(ctx context.Context, t trip.Trip) error {
	return h.onEach(ctx, "Close", t, "close")
}

// Reopen lets t hold and release seats again after a commit that did not
// happen.
func (h *Holds) Reopen(ctx context.Context, t trip.Trip) error {
	return h.onEach(ctx, "Reopen", t, "reopen")
}

func (h *Holds) onEach(ctx context.Context, name string, t trip.Trip, op string) error {
	runs := make([]platformredis.Run, len(t.Flights))
	for i, f := range t.Flights {
		runs[i] = h.flightRun(f.ID, t.ID, op)
	}
	return h.each(ctx, name, runs)
}

// CheckHeld reports booking.ErrSeatNotHeld unless the guest's trip holds
// every seat listed, live, on each flight.
func (h *Holds) CheckHeld(ctx context.Context, guest string, t trip.Trip, seats map[string][]trip.SeatNumber) error {
	var runs []platformredis.Run
	for flight, nums := range seats {
		args := []string{"check", t.ID, guest}
		for _, n := range nums {
			args = append(args, string(n))
		}
		runs = append(runs, h.flightRun(flight, t.ID, args...))
	}
	for _, r := range platformredis.Pipeline(ctx, h.client, runs...) {
		vals, err := r.AsIntSlice()
		if err != nil {
			return fmt.Errorf("Holds.CheckHeld(%s): %w", t.ID, err)
		}
		if _, err := answer(vals); errors.Is(err, trip.ErrSeatNotHeld) {
			return booking.ErrSeatNotHeld
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Sell records a committed sale on each flight: the trip's holds of the
// seats end, the seats show as sold at once (recent sales at the flight's
// new inventory version, until the index has them) and seat_sold is
// announced for each.
func (h *Holds) Sell(ctx context.Context, tripID string, seats map[string][]trip.SeatNumber, versions map[string]int64) error {
	keep := strconv.FormatInt(time.Now().Add(24*time.Hour).UnixMilli(), 10)
	var runs []platformredis.Run
	for flight, nums := range seats {
		args := []string{"sell", tripID, strconv.FormatInt(versions[flight], 10), keep}
		for _, n := range nums {
			args = append(args, string(n))
		}
		runs = append(runs, h.flightRun(flight, tripID, args...))
	}
	return h.each(ctx, "Sell", runs)
}

// each pipelines runs and reports the first failure.
func (h *Holds) each(ctx context.Context, op string, runs []platformredis.Run) error {
	for i, r := range platformredis.Pipeline(ctx, h.client, runs...) {
		if err := r.Error(); err != nil {
			return fmt.Errorf("Holds.%s(%s): %w", op, runs[i].Args[2], err)
		}
	}
	return nil
}

func flag(blocked bool) string {
	if blocked {
		return "1"
	}
	return "0"
}

// Hold locks the seat for the guest's trip until the trip's expiry, in one
// round trip. It returns the expiry and whether the trip held the seat
// already; errors are trip.ErrNotFound (no such trip of this guest on this
// flight), trip.ErrExpired, trip.ErrClosed, trip.ErrNoSuchSeat,
// trip.ErrSeatUnavailable (blocked, sold or held by another live trip) or
// trip.ErrSeatLimit.
func (h *Holds) Hold(ctx context.Context, guest string, r app.SeatRequest) (time.Time, bool, error) {
	run := h.flightRun(r.FlightID, r.TripID, "hold", string(r.Seat), r.TripID, guest, h.keep)
	vals, err := platformredis.Pipeline(ctx, h.client, run)[0].AsIntSlice()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("Holds.Hold(%s %s): %w", r.FlightID, r.Seat, err)
	}
	if _, err := answer(vals); err != nil {
		return time.Time{}, false, err
	}
	if len(vals) < 3 {
		return time.Time{}, false, fmt.Errorf("Holds.Hold(%s %s): short answer %v", r.FlightID, r.Seat, vals)
	}
	if vals[2] == 1 {
		hint := h.dueRun("touch", r.FlightID, strconv.FormatInt(vals[1], 10))
		if err := platformredis.Pipeline(ctx, h.client, hint)[0].Error(); err != nil {
			return time.Time{}, false, fmt.Errorf("Holds.Hold(%s %s): sweeper hint: %w", r.FlightID, r.Seat, err)
		}
	}
	return time.UnixMilli(vals[1]).UTC(), vals[0] == codeAlreadyHeld, nil
}

// Release frees a seat the guest's trip holds: trip.ErrSeatNotHeld when it
// does not, trip.ErrNotFound or trip.ErrExpired as for Hold.
func (h *Holds) Release(ctx context.Context, guest string, r app.SeatRequest) error {
	run := h.flightRun(r.FlightID, r.TripID, "release", string(r.Seat), r.TripID, guest)
	vals, err := platformredis.Pipeline(ctx, h.client, run)[0].AsIntSlice()
	if err != nil {
		return fmt.Errorf("Holds.Release(%s %s): %w", r.FlightID, r.Seat, err)
	}
	_, err = answer(vals)
	return err
}

// Sweep tidies up to max flights whose holds may have expired: each
// expired hold is removed and announced with a seat_released event. It
// returns how many flights it visited. Availability never waits for it:
// readers ignore expired holds.
func (h *Holds) Sweep(ctx context.Context, max int) (int, error) {
	due, err := platformredis.Pipeline(ctx, h.client, h.dueRun("due", strconv.Itoa(max)))[0].AsStrSlice()
	if err != nil {
		return 0, fmt.Errorf("Holds.Sweep: %w", err)
	}
	for i := 0; i+1 < len(due); i += 2 {
		if err := h.sweepFlight(ctx, due[i], due[i+1]); err != nil {
			return i / 2, err
		}
	}
	return len(due) / 2, nil
}

func (h *Holds) sweepFlight(ctx context.Context, flightID, touched string) error {
	run := h.flightRun(flightID, "-", "sweep")
	next, err := platformredis.Pipeline(ctx, h.client, run)[0].AsInt64()
	if err != nil {
		return fmt.Errorf("Holds.Sweep(%s): %w", flightID, err)
	}
	settle := h.dueRun("settle", flightID, touched, strconv.FormatInt(next, 10))
	if err := platformredis.Pipeline(ctx, h.client, settle)[0].Error(); err != nil {
		return fmt.Errorf("Holds.Sweep(%s): settle: %w", flightID, err)
	}
	return nil
}

// answer turns a script's {code, …} into nil or the domain error.
func answer(vals []int64) ([]int64, error) {
	if len(vals) == 0 {
		return nil, errors.New("empty script answer")
	}
	if vals[0] == codeOK || vals[0] == codeAlreadyHeld {
		return vals, nil
	}
	if e, ok := codeErrors[vals[0]]; ok {
		return nil, e
	}
	return nil, fmt.Errorf("unknown script answer %d", vals[0])
}

// sortedSeats orders seats as a seat map reads them.
func sortedSeats(seats []string) []string {
	return slices.SortedFunc(slices.Values(seats), readmodel.CompareSeats)
}
