package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

func newTrip(owner string, flights ...string) trip.Trip {
	t := trip.Trip{ID: newID(), Owner: owner, CreatedAt: time.Now().UTC().Truncate(time.Second),
		ExpiresAt: time.Now().Add(time.Minute).UTC().Truncate(time.Millisecond)}
	for _, f := range flights {
		t.Flights = append(t.Flights, trip.Flight{ID: f, Number: "AL1", Aircraft: "A320", Status: "SCHEDULED",
			Currency: "USD", Fares: map[string]int64{"Y": 10000}, Capacity: 180})
	}
	t.Quote = pricing.Quote{RulesVersion: "r1", Passengers: []pricing.PassengerType{pricing.Adult}}
	return t
}

func TestTripRoundTripAndOwnership(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	f1, f2 := newID(), newID()
	in := newTrip("g_a", f1, f2)
	exp := in.ExpiresAt
	if err := s.trips.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.trips.Get(ctx, "g_a", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.Owner != "g_a" || len(got.Flights) != 2 || got.Flights[1].ID != f2 ||
		got.Version != 1 || !got.ExpiresAt.Equal(exp) || got.Quote.RulesVersion != "r1" || len(got.Seats) != 0 {
		t.Fatalf("got %+v", got)
	}
	if _, err := s.trips.Get(ctx, "g_b", in.ID); !errors.Is(err, trip.ErrNotFound) {
		t.Fatalf("another guest read the trip: %v", err)
	}
	if _, err := s.trips.Summary(ctx, "g_b", in.ID); !errors.Is(err, trip.ErrNotFound) {
		t.Fatalf("another guest read the summary: %v", err)
	}
	sum, err := s.trips.Summary(ctx, "g_a", in.ID)
	if err != nil || !sum.Open || sum.SeatLimit != 1 || sum.Aircraft[f1] != "A320" || len(sum.Aircraft) != 2 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	if err := s.holds.Attach(ctx, in, map[string]map[trip.SeatNumber]bool{"A320": testSeats}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.holds.Hold(ctx, "g_a", seatReq(in, f2, "4C")); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.trips.Get(ctx, "g_a", in.ID); len(got.Seats) != 1 || got.Seats[0].Number != "4C" || got.Seats[0].FlightID != f2 {
		t.Fatalf("seats %+v", got.Seats)
	}
}

func TestSavePassengersIsCompareAndSet(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	in := newTrip("g_a", newID())
	if _, err := create(ctx, s, in, time.Minute); err != nil {
		t.Fatal(err)
	}
	first, _ := s.trips.Get(ctx, "g_a", in.ID)
	second := first
	_ = first.AddPassenger(trip.Passenger{ID: newID(), FirstName: "Jane", LastName: "Doe", Type: pricing.Adult})
	if err := s.trips.SavePassengers(ctx, first); err != nil {
		t.Fatal(err)
	}
	_ = second.AddPassenger(trip.Passenger{ID: newID(), FirstName: "John", LastName: "Doe", Type: pricing.Adult})
	if err := s.trips.SavePassengers(ctx, second); !errors.Is(err, trip.ErrConflict) {
		t.Fatalf("a stale write was accepted: %v", err)
	}
	got, _ := s.trips.Get(ctx, "g_a", in.ID)
	if got.Version != 2 || len(got.Passengers) != 1 || got.Passengers[0].FirstName != "Jane" {
		t.Fatalf("got %+v", got)
	}
}

// OWASP API6: a guest holds at most MaxTrips live trips and its trips may
// hold at most MaxSeats seats in all; others are not affected.
func TestGuestLimits(t *testing.T) {
	s := newStore(t, redis.TripLimits{MaxTrips: 2, MaxSeats: 5, Retention: time.Minute})
	ctx := context.Background()
	if _, err := create(ctx, s, newTrip("g_a", newID(), newID(), newID()), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := create(ctx, s, newTrip("g_a", newID(), newID(), newID()), time.Minute); !errors.Is(err, trip.ErrTooManySeats) {
		t.Fatalf("6 seats allowed: %v", err)
	}
	two := newTrip("g_a", newID(), newID())
	if _, err := create(ctx, s, two, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := create(ctx, s, newTrip("g_a", newID()), time.Minute); !errors.Is(err, trip.ErrTooManyTrips) {
		t.Fatalf("a third trip: %v", err)
	}
	if _, err := create(ctx, s, newTrip("g_b", newID()), time.Minute); err != nil {
		t.Fatalf("another guest is limited: %v", err)
	}
	// A second passenger would let `two` hold 4 seats: 3 + 4 > 5.
	got, _ := s.trips.Get(ctx, "g_a", two.ID)
	_ = got.AddPassenger(trip.Passenger{ID: newID(), Type: pricing.Adult})
	if err := s.trips.SavePassengers(ctx, got); err != nil {
		t.Fatalf("the first passenger keeps the allowance at 2: %v", err)
	}
	got, _ = s.trips.Get(ctx, "g_a", two.ID)
	_ = got.AddPassenger(trip.Passenger{ID: newID(), Type: pricing.Child})
	if err := s.trips.SavePassengers(ctx, got); !errors.Is(err, trip.ErrTooManySeats) {
		t.Fatalf("a second seated passenger past the seat cap: %v", err)
	}
}

// Expired trips stop counting against the limits at once.
func TestExpiredTripsFreeTheLimits(t *testing.T) {
	s := newStore(t, redis.TripLimits{MaxTrips: 1, MaxSeats: 10, Retention: time.Minute})
	ctx := context.Background()
	short := newTrip("g_a", newID())
	exp, err := create(ctx, s, short, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, func() bool {
		_, err := create(ctx, s, newTrip("g_a", newID()), time.Minute)
		return err == nil
	})
	if time.Now().Before(exp.Add(-50 * time.Millisecond)) {
		t.Fatal("a second trip was allowed before the first expired")
	}
	got, err := s.trips.Get(ctx, "g_a", short.ID)
	if err != nil || !got.Expired(time.Now()) {
		t.Fatalf("the expired trip is kept for its retention and reads as expired: %+v %v", got, err)
	}
}

// create stores t to expire after ttl and returns its expiry.
func create(ctx context.Context, s *store, t trip.Trip, ttl time.Duration) (time.Time, error) {
	t.ExpiresAt = time.Now().Add(ttl).UTC().Truncate(time.Millisecond)
	return t.ExpiresAt, s.trips.Create(ctx, t)
}

// One commit per trip at a time; a commit that died without reopening the
// trip (a crash) holds it for a minute at most.
func TestCloseIsAGateWithALease(t *testing.T) {
	s := newStore(t, redis.TripLimits{})
	ctx := context.Background()
	in := newTrip("g_a", newID())
	if err := s.trips.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.trips.Close(ctx, "g_a", in.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.trips.Close(ctx, "g_a", in.ID); !errors.Is(err, trip.ErrClosed) {
		t.Fatalf("a second commit got the gate: %v", err)
	}
	// The first commit's process died: its lease runs out.
	s.client.Do(ctx, s.client.B().Hset().Key(s.keys.Trip("g_a", in.ID)).FieldValue().
		FieldValue("closing_until", itoa(time.Now().Add(-time.Second).UnixMilli())).Build())
	if err := s.trips.Close(ctx, "g_a", in.ID); err != nil {
		t.Fatalf("the gate of a dead commit was not taken over: %v", err)
	}
	if err := s.trips.Booked(ctx, "g_a", in.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.trips.Close(ctx, "g_a", in.ID); !errors.Is(err, trip.ErrClosed) {
		t.Fatalf("a booked trip was closed again: %v", err)
	}
}
