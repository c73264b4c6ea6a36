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
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// 200 trips race for one seat: exactly one wins, the others are refused.
func TestOneSeatManyRacersOneWinner(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight := newID()
	trips := make([]trip.Trip, 200)
	for i := range trips {
		trips[i] = s.tripOn(newID(), time.Minute, 1, flight)
	}
	var wins, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, tr := range trips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.hold(tr, flight, "1A")
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
	flight := newID()
	tr := s.tripOn("g_a", time.Minute, 3, flight)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.hold(tr, flight, fmt.Sprintf("%dA", i+1))
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
	// A passenger more raises the limit by one.
	tr.Passengers = append(tr.Passengers, tr.Passengers[0])
	if err := s.holds.RaiseLimit(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hold(tr, flight, "29A"); err != nil {
		t.Fatalf("after raising the limit: %v", err)
	}
}

// Holding a seat the trip holds already succeeds and changes nothing.
func TestHoldIsIdempotentForTheSameTrip(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight := newID()
	tr := s.tripOn("g_a", time.Minute, 1, flight)
	for i, wantAlready := range []bool{false, true} {
		already, err := s.hold(tr, flight, "3C")
		if err != nil || already != wantAlready {
			t.Fatalf("hold %d: already %v, %v", i, already, err)
		}
	}
	if n := len(s.events(flight)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

// What the flight's state refuses on its own: another guest's trip, a
// flight the trip is not on, a seat the aircraft lacks, a blocked seat.
func TestHoldRefusals(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight, other := newID(), newID()
	tr := s.tripOn("g_a", time.Minute, 2, flight)
	cases := []struct {
		name  string
		guest string
		req   func() (string, string)
		want  error
	}{
		{"another guest", "g_b", func() (string, string) { return flight, "1A" }, trip.ErrNotFound},
		{"another flight", "g_a", func() (string, string) { return other, "1A" }, trip.ErrNotFound},
		{"no such seat", "g_a", func() (string, string) { return flight, "31A" }, trip.ErrNoSuchSeat},
		{"blocked seat", "g_a", func() (string, string) { return flight, "30F" }, trip.ErrSeatUnavailable},
	}
	for _, c := range cases {
		f, seat := c.req()
		r := seatReq(tr, f, seat)
		if _, _, err := s.holds.Hold(ctx, c.guest, r); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if err := s.holds.Release(ctx, c.guest, r); c.want == trip.ErrNotFound && !errors.Is(err, trip.ErrNotFound) {
			t.Errorf("%s: release %v, want not found", c.name, err)
		}
	}
	if len(s.events(flight)) != 0 || len(s.heldNow(flight)) != 0 {
		t.Fatal("a refused hold left something behind")
	}
}

// A released seat can be held by another trip; releasing a seat one does
// not hold is refused.
func TestReleasedSeatCanBeHeldByAnother(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight := newID()
	a, b := s.tripOn("g_a", time.Minute, 1, flight), s.tripOn("g_b", time.Minute, 1, flight)
	if _, err := s.hold(a, flight, "7D"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hold(b, flight, "7D"); !errors.Is(err, trip.ErrSeatUnavailable) {
		t.Fatalf("b took a's seat: %v", err)
	}
	if err := s.release(b, flight, "7D"); !errors.Is(err, trip.ErrSeatNotHeld) {
		t.Fatalf("b released a's seat: %v", err)
	}
	if err := s.release(a, flight, "7D"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hold(b, flight, "7D"); err != nil {
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
	flight := newID()
	short := s.tripOn("g_a", 2*time.Second, 1, flight)
	if _, err := s.hold(short, flight, "12F"); err != nil {
		t.Fatal(err)
	}
	if len(s.heldNow(flight)) != 1 {
		t.Fatal("the hold is not live")
	}
	other := s.tripOn("g_b", time.Minute, 1, flight)
	deadline := short.ExpiresAt.Add(100 * time.Millisecond) // the clocks of Redis and this test may differ a little
	for {
		_, err := s.hold(other, flight, "12F")
		if err == nil {
			break
		}
		if !errors.Is(err, trip.ErrSeatUnavailable) || time.Now().After(deadline) {
			t.Fatalf("seat still taken %v after the hold expired: %v", time.Since(short.ExpiresAt), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if held := s.heldNow(flight); held["12F"] != other.ID {
		t.Fatalf("held %v, want 12F by the second trip", held)
	}
	if _, err := s.hold(short, flight, "12E"); !errors.Is(err, trip.ErrExpired) {
		t.Fatalf("the expired trip held a seat: %v", err)
	}
	if err := s.release(short, flight, "12F"); !errors.Is(err, trip.ErrExpired) {
		t.Fatalf("the expired trip released the seat: %v", err)
	}
}

// The sweeper removes expired holds, announces them, and keeps flights
// with live holds due for later.
func TestSweepTidiesExpiredHolds(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight := newID()
	short := s.tripOn("g_a", 300*time.Millisecond, 1, flight)
	long := s.tripOn("g_b", time.Minute, 1, flight)
	if _, err := s.hold(long, flight, "1B"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.hold(short, flight, "1A"); err != nil { // sooner than the hold before it: a new hint
		t.Fatal(err)
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

// A seat a commit just sold cannot be held, even before the projector has
// it in the index; once the index is past that sale (a cancel released
// the seat), it can.
func TestSoldSeatCannotBeHeldBeforeTheIndexKnows(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	flight := newID()
	a := s.tripOn("g_a", time.Minute, 1, flight)
	if _, err := s.hold(a, flight, "5B"); err != nil {
		t.Fatal(err)
	}
	seats := map[string][]trip.SeatNumber{flight: {"5B"}}
	if err := s.holds.Sell(ctx, a.ID, seats, map[string]int64{flight: 7}); err != nil {
		t.Fatal(err)
	}
	b := s.tripOn("g_b", time.Minute, 1, flight)
	if _, err := s.hold(b, flight, "5B"); !errors.Is(err, trip.ErrSeatUnavailable) {
		t.Fatalf("held a seat sold at version 7: %v", err)
	}
	if ev := s.events(flight); len(ev) != 2 || ev[1].Name() != "seat_sold" {
		t.Fatalf("events %+v", ev)
	}
	// The index reaches version 8 (the seat was released by a cancel).
	s.client.Do(ctx, s.client.B().Set().Key(s.keys.Current()).Value("1").Build())
	s.client.Do(ctx, s.client.B().Hset().Key(s.keys.Flight(1, flight)).FieldValue().FieldValue("seats_v", "8").Build())
	if _, err := s.hold(b, flight, "5B"); err != nil {
		t.Fatalf("after the index passed the sale: %v", err)
	}
}
