package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// store is a fresh key prefix on the test Redis with the adapters on it.
type store struct {
	t      *testing.T
	client rueidis.Client
	keys   readmodel.Keys
	holds  *redis.Holds
	trips  *redis.Trips
}

func newStore(t *testing.T, limits redis.TripLimits) *store {
	t.Helper()
	url, prefix := testenv.Redis(t)
	c, err := platformredis.Open(platformredis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	s := &store{t: t, client: c, keys: readmodel.NewKeys(prefix)}
	if s.holds, err = redis.NewHolds(c, s.keys, 1000); err != nil {
		t.Fatal(err)
	}
	if limits == (redis.TripLimits{}) {
		limits = redis.TripLimits{MaxTrips: 1000, MaxSeats: 100000, Retention: time.Minute}
	}
	if s.trips, err = redis.NewTrips(c, s.keys, limits); err != nil {
		t.Fatal(err)
	}
	return s
}

// testSeats is the test aircraft's catalog: rows 1–30, seats A–F, with
// 30F blocked.
var testSeats = func() map[trip.SeatNumber]bool {
	out := map[trip.SeatNumber]bool{}
	for row := 1; row <= 30; row++ {
		for _, l := range "ABCDEF" {
			out[trip.SeatNumber(itoa(int64(row))+string(l))] = false
		}
	}
	out["30F"] = true
	return out
}()

// tripOn attaches a new trip of guest, alive for ttl and allowed limit
// seats per flight, to flights.
func (s *store) tripOn(guest string, ttl time.Duration, limit int, flights ...string) trip.Trip {
	s.t.Helper()
	t := trip.Trip{ID: newID(), Owner: guest, ExpiresAt: time.Now().Add(ttl).Truncate(time.Millisecond)}
	for _, f := range flights {
		t.Flights = append(t.Flights, trip.Flight{ID: f, Aircraft: "T1", ArrivalAt: time.Now().Add(48 * time.Hour)})
	}
	for range limit {
		t.Passengers = append(t.Passengers, trip.Passenger{ID: newID(), Type: pricing.Adult})
	}
	if err := s.holds.Attach(context.Background(), t, map[string]map[trip.SeatNumber]bool{"T1": testSeats}); err != nil {
		s.t.Fatal(err)
	}
	return t
}

// hold asks for a seat for t on flight.
func (s *store) hold(t trip.Trip, flight, seat string) (bool, error) {
	_, already, err := s.holds.Hold(context.Background(), t.Owner, seatReq(t, flight, seat))
	return already, err
}

func (s *store) release(t trip.Trip, flight, seat string) error {
	return s.holds.Release(context.Background(), t.Owner, seatReq(t, flight, seat))
}

func seatReq(t trip.Trip, flight, seat string) app.SeatRequest {
	return app.SeatRequest{TripID: t.ID, FlightID: flight, Seat: trip.SeatNumber(seat)}
}

// heldNow lists a flight's live holds as the query service counts them.
func (s *store) heldNow(flightID string) map[string]string {
	s.t.Helper()
	ctx := context.Background()
	now := time.Now().UnixMilli()
	seats, err := s.client.Do(ctx, s.client.B().Zrangebyscore().Key(s.keys.Holds(flightID)).
		Min("("+itoa(now)).Max("+inf").Build()).AsStrSlice()
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]string{}
	for _, seat := range seats {
		holder, err := s.client.Do(ctx, s.client.B().Hget().Key(s.keys.Holders(flightID)).Field(seat).Build()).ToString()
		if err != nil {
			s.t.Fatal(err)
		}
		out[seat] = holder
	}
	return out
}

// events reads a flight's seat event history.
func (s *store) events(flightID string) []readmodel.SeatEvent {
	s.t.Helper()
	entries, err := s.client.Do(context.Background(), s.client.B().Xrange().Key(s.keys.SeatEvents(flightID)).
		Start("-").End("+").Build()).AsXRange()
	if err != nil {
		s.t.Fatal(err)
	}
	out := make([]readmodel.SeatEvent, len(entries))
	for i, e := range entries {
		if out[i], err = readmodel.SeatEventFromStream(flightID, e.ID, e.FieldValues); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

func newID() string { return uuid.NewString() }

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
