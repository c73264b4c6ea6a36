package redis_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// seatOp is one recorded call: a trip holding or releasing a seat.
type seatOp struct {
	seat, trip string
	release    bool
}

// seatModel is one seat as a register of its holder ("" = free): a hold
// succeeds when the seat is free or already the trip's, a release when the
// trip holds it. The history is partitioned by seat.
var seatModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		bySeat := map[string][]porcupine.Operation{}
		for _, op := range history {
			s := op.Input.(seatOp).seat
			bySeat[s] = append(bySeat[s], op)
		}
		out := make([][]porcupine.Operation, 0, len(bySeat))
		for _, ops := range bySeat {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		holder, in, ok := state.(string), input.(seatOp), output.(bool)
		if in.release {
			if holder == in.trip {
				return ok, ""
			}
			return !ok, holder
		}
		if holder == "" || holder == in.trip {
			return ok, in.trip
		}
		return !ok, holder
	},
	DescribeOperation: func(input, output any) string {
		in := input.(seatOp)
		return fmt.Sprintf("%s release=%v %s -> %v", in.trip[:8], in.release, in.seat, output)
	},
}

// 1,000 trips race for the 100 seats of one flight, holding and releasing.
// While they run, the flight never shows more than 100 seats held (so
// availability never goes negative), and the recorded history of every
// seat is linearizable.
func TestThousandHoldsOnAHundredSeatsAreLinearizable(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	flight := newID()
	seats := make([]string, 100)
	for i := range seats {
		seats[i] = fmt.Sprintf("%d%c", i/4+1, 'A'+i%4)
	}
	base := time.Now()
	clock := func() int64 { return time.Since(base).Nanoseconds() }
	var (
		mu      sync.Mutex
		history []porcupine.Operation
	)
	record := func(client int, in seatOp, call int64, ok bool) {
		mu.Lock()
		history = append(history, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: ok, Return: clock()})
		mu.Unlock()
	}
	ctx := context.Background()
	stop := make(chan struct{})
	watched := make(chan int)
	go func() { watched <- watchHeld(t, s, flight, len(seats), stop) }()

	const workers, tripsEach = 50, 20 // 1,000 trips
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range tripsEach {
				tr := s.tripOn(newID(), time.Minute, 1, flight)
				in := seatOp{seat: seats[rng.IntN(len(seats))], trip: tr.ID}
				call := clock()
				_, err := s.hold(tr, flight, in.seat)
				if err != nil && !errors.Is(err, trip.ErrSeatUnavailable) {
					t.Error(err)
					return
				}
				record(w, in, call, err == nil)
				if err != nil || rng.IntN(2) == 0 {
					continue
				}
				in.release = true
				call = clock()
				err = s.release(tr, flight, in.seat)
				if err != nil && !errors.Is(err, trip.ErrSeatNotHeld) {
					t.Error(err)
					return
				}
				record(w, in, call, err == nil)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if most := <-watched; most > len(seats) {
		t.Fatalf("%d seats held at once on a %d-seat flight", most, len(seats))
	}
	if len(history) < workers*tripsEach {
		t.Fatalf("%d operations recorded", len(history))
	}
	if res := porcupine.CheckOperationsTimeout(seatModel, history, 30*time.Second); res != porcupine.Ok {
		t.Fatalf("seat history is not linearizable (%s) over %d operations", res, len(history))
	}
	// The final state agrees with the history: every held seat has one
	// holder, and that trip's record on the flight names that seat only.
	for seat, holder := range s.heldNow(flight) {
		rec, err := s.client.Do(ctx, s.client.B().Hgetall().Key(s.keys.TripFlight(flight, holder)).Build()).AsStrMap()
		if err != nil || rec["held"] != "1" || rec["seat:"+seat] != "1" {
			t.Errorf("trip %s holds %s but its record is %v (%v)", holder, seat, rec, err)
		}
	}
}

// watchHeld counts the live holds of flight as the query service does
// until stop and returns the most seen at once; it fails the test on a
// negative availability.
func watchHeld(t *testing.T, s *store, flight string, capacity int, stop <-chan struct{}) int {
	most := 0
	for {
		select {
		case <-stop:
			return most
		default:
		}
		now := time.Now().UnixMilli()
		n, err := s.client.Do(context.Background(), s.client.B().Zcount().Key(s.keys.Holds(flight)).
			Min("("+itoa(now)).Max("+inf").Build()).AsInt64()
		if err != nil {
			t.Error(err)
			return most
		}
		if capacity-int(n) < 0 {
			t.Errorf("availability %d", capacity-int(n))
		}
		most = max(most, int(n))
	}
}
