package redis

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/app"
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
	keys := []string{h.keys.Holds(flightID), h.keys.Holders(flightID), h.keys.TripSeats(flightID, tripID),
		h.keys.SeatEvents(flightID), h.keys.SeatSeq(flightID)}
	return platformredis.Run{Script: holdsScript, Keys: keys, Args: args}
}

func (h *Holds) dueRun(args ...string) platformredis.Run {
	return platformredis.Run{Script: dueScript, Keys: []string{h.keys.HoldsDue(), h.keys.HoldsTouched()},
		Args: append([]string{h.keys.Prefix()}, args...)}
}

// Hold locks the seat until the trip's expiry. It reports whether the
// trip held it already; errors are trip.ErrSeatUnavailable (sold, or held
// by another live trip), trip.ErrSeatLimit or trip.ErrExpired.
func (h *Holds) Hold(ctx context.Context, r app.SeatHold) (already bool, err error) {
	exp := strconv.FormatInt(r.ExpiresAt.UnixMilli(), 10)
	// The sweeper's hint travels in the same round trip, first: a hint for
	// a hold that then fails only costs the sweeper one empty visit.
	res := platformredis.Pipeline(ctx, h.client,
		h.dueRun("touch", r.FlightID, exp),
		h.flightRun(r.FlightID, r.TripID, h.keys.Prefix(), "hold", r.FlightID, h.streamMaxLen,
			string(r.Seat), r.TripID, exp, strconv.Itoa(r.Limit), h.keep))
	if err := res[0].Error(); err != nil {
		return false, fmt.Errorf("Holds.Hold(%s %s): sweeper hint: %w", r.FlightID, r.Seat, err)
	}
	vals, err := res[1].AsIntSlice()
	if err != nil {
		return false, fmt.Errorf("Holds.Hold(%s %s): %w", r.FlightID, r.Seat, err)
	}
	if _, err := answer(vals); err != nil {
		return false, err
	}
	return vals[0] == codeAlreadyHeld, nil
}

// Release frees a seat the trip holds; trip.ErrSeatNotHeld otherwise.
func (h *Holds) Release(ctx context.Context, tripID, flightID string, seat trip.SeatNumber) error {
	res := platformredis.Pipeline(ctx, h.client, h.flightRun(flightID, tripID,
		h.keys.Prefix(), "release", flightID, h.streamMaxLen, string(seat), tripID))
	vals, err := res[0].AsIntSlice()
	if err != nil {
		return fmt.Errorf("Holds.Release(%s %s): %w", flightID, seat, err)
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
	run := h.flightRun(flightID, "-", h.keys.Prefix(), "sweep", flightID, h.streamMaxLen)
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

// sortedSeats orders "9C" before "12A": by row number, then letter.
func sortedSeats(seats []string) []string {
	return slices.SortedFunc(slices.Values(seats), func(a, b string) int {
		ra, la := splitSeat(a)
		rb, lb := splitSeat(b)
		if c := cmp.Compare(ra, rb); c != 0 {
			return c
		}
		return strings.Compare(la, lb)
	})
}

func splitSeat(s string) (int, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}
