package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// 200 trips race for one seat: exactly one wins, the others are refused.
func TestOneSeatManyRacersOneWinner(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight := newID()
	var wins, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.holds.Hold(context.Background(), hold(newID(), flight, "1A", time.Minute, 1))
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, trip.ErrSeatUnavailable):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || refused.Load() != 199 {
		t.Fatalf("%d wins, %d refused; want 1 and 199", wins.Load(), refused.Load())
	}
	if held := s.heldNow(flight); len(held) != 1 {
		t.Fatalf("held %v", held)
	}
	if ev := s.events(flight); len(ev) != 1 || ev[0].Status != readmodel.StatusHeld || ev[0].SeatNumber != "1A" {
		t.Fatalf("events %+v", ev)
	}
}

// A trip holds no more seats on a flight than its limit, however many
// requests race.
func TestSeatLimitHoldsUnderConcurrency(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight, tripID := newID(), newID()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.holds.Hold(context.Background(), hold(tripID, flight, fmt.Sprintf("%dA", i+1), time.Minute, 3))
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, trip.ErrSeatLimit):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 3 || len(s.heldNow(flight)) != 3 {
		t.Fatalf("%d holds, %v held; want 3", wins.Load(), s.heldNow(flight))
	}
}

// Holding a seat the trip holds already succeeds and changes nothing.
func TestHoldIsIdempotentForTheSameTrip(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight, tripID := newID(), newID()
	h := hold(tripID, flight, "3C", time.Minute, 1)
	for i, wantAlready := range []bool{false, true} {
		already, err := s.holds.Hold(context.Background(), h)
		if err != nil || already != wantAlready {
			t.Fatalf("hold %d: already %v, %v", i, already, err)
		}
	}
	if n := len(s.events(flight)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

// A released seat can be held by another trip; releasing a seat one does
// not hold is refused.
func TestReleasedSeatCanBeHeldByAnother(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight, a, b := newID(), newID(), newID()
	if _, err := s.holds.Hold(ctx, hold(a, flight, "7D", time.Minute, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.holds.Hold(ctx, hold(b, flight, "7D", time.Minute, 1)); !errors.Is(err, trip.ErrSeatUnavailable) {
		t.Fatalf("b took a's seat: %v", err)
	}
	if err := s.holds.Release(ctx, b, flight, "7D"); !errors.Is(err, trip.ErrSeatNotHeld) {
		t.Fatalf("b released a's seat: %v", err)
	}
	if err := s.holds.Release(ctx, a, flight, "7D"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.holds.Hold(ctx, hold(b, flight, "7D", time.Minute, 1)); err != nil {
		t.Fatalf("b after a released: %v", err)
	}
	var got []string
	for _, e := range s.events(flight) {
		got = append(got, e.Name())
	}
	if fmt.Sprint(got) != "[seat_held seat_released seat_held]" {
		t.Fatalf("events %v", got)
	}
}

// A hold ends with its trip's expiry by the Redis clock: with no sweeper
// running, the seat is free for reads and for other trips within 2 s.
func TestExpiredHoldFreesItsSeatWithoutASweeper(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight := newID()
	h := hold(newID(), flight, "12F", 2*time.Second, 1)
	if _, err := s.holds.Hold(ctx, h); err != nil {
		t.Fatal(err)
	}
	if len(s.heldNow(flight)) != 1 {
		t.Fatal("the hold is not live")
	}
	other := hold(newID(), flight, "12F", time.Minute, 1)
	deadline := h.ExpiresAt.Add(100 * time.Millisecond) // the clocks of Redis and this test may differ a little
	for {
		_, err := s.holds.Hold(ctx, other)
		if err == nil {
			break
		}
		if !errors.Is(err, trip.ErrSeatUnavailable) || time.Now().After(deadline) {
			t.Fatalf("seat still taken %v after the hold expired: %v", time.Since(h.ExpiresAt), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if held := s.heldNow(flight); held["12F"] != other.TripID {
		t.Fatalf("held %v, want 12F by the second trip", held)
	}
	if err := s.holds.Release(ctx, h.TripID, flight, "12F"); !errors.Is(err, trip.ErrSeatNotHeld) {
		t.Fatalf("the expired trip released the seat: %v", err)
	}
}

// The sweeper removes expired holds, announces them, and keeps flights
// with live holds due for later.
func TestSweepTidiesExpiredHolds(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight := newID()
	short := hold(newID(), flight, "1A", 300*time.Millisecond, 1)
	long := hold(newID(), flight, "1B", time.Minute, 1)
	for _, h := range []app.SeatHold{short, long} {
		if _, err := s.holds.Hold(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, time.Second, func() bool { return len(s.heldNow(flight)) == 1 })
	if _, err := s.holds.Sweep(ctx, 100); err != nil {
		t.Fatal(err)
	}
	ev := s.events(flight)
	if len(ev) != 3 || ev[2].SeatNumber != "1A" || ev[2].Name() != "seat_released" {
		t.Fatalf("events %+v", ev)
	}
	n, err := s.client.Do(ctx, s.client.B().Zcard().Key(s.keys.Holds(flight)).Build()).AsInt64()
	if err != nil || n != 1 {
		t.Fatalf("%d holds stored after the sweep, want 1 (%v)", n, err)
	}
	score, err := s.client.Do(ctx, s.client.B().Zscore().Key(s.keys.HoldsDue()).Member(flight).Build()).AsFloat64()
	if err != nil || int64(score) != long.ExpiresAt.UnixMilli() {
		t.Fatalf("flight due at %v (%v), want the long hold's expiry %d", score, err, long.ExpiresAt.UnixMilli())
	}
	// A second sweep before then finds nothing to do.
	if _, err := s.holds.Sweep(ctx, 100); err != nil || len(s.events(flight)) != 3 {
		t.Fatalf("second sweep: %v, %d events", err, len(s.events(flight)))
	}
}
