package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/services/command/internal/adapters/postgres"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/schedule"
)

func newPool(t *testing.T) *pgxpool.Pool {
	return testenv.Pool(t, migrations.Apply)
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestSeedIsIdempotentAndWritesEventsThroughTheOutbox(t *testing.T) {
	pool := newPool(t)
	uc, err := app.NewSeedSchedule(postgres.NewScheduleStore(pool), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	opts := schedule.Options{Start: time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), Days: 2, Scale: 1}
	first, err := uc.Handle(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Generated == 0 || first.Inserted != first.Generated {
		t.Fatalf("first run: %+v", first)
	}
	again, err := uc.Handle(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Inserted != 0 || again.Generated != first.Generated {
		t.Fatalf("second run inserted %d (want 0) of %d", again.Inserted, again.Generated)
	}
	checks := map[string]int{
		"SELECT count(*) FROM flights":                                         first.Generated,
		"SELECT count(*) FROM flight_inventory":                                first.Generated,
		"SELECT count(*) FROM outbox WHERE event_type = 'flight.scheduled.v1'": first.Generated,
		"SELECT count(*) FROM airports":                                        len(schedule.Airports()),
		"SELECT count(*) FROM aircraft_types":                                  len(schedule.Fleet()),
		"SELECT count(*) FROM flights f LEFT JOIN flight_fares ff ON ff.flight_id = f.id WHERE ff.flight_id IS NULL": 0,
	}
	for sql, want := range checks {
		if got := count(t, pool, sql); got != want {
			t.Errorf("%s = %d, want %d", sql, got, want)
		}
	}
}

func TestScheduledEventDescribesTheStoredFlight(t *testing.T) {
	pool := newPool(t)
	uc, err := app.NewSeedSchedule(postgres.NewScheduleStore(pool), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uc.Handle(context.Background(), schedule.Options{Start: time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), Days: 1, Scale: 1}); err != nil {
		t.Fatal(err)
	}
	var payload []byte
	var capacity int
	var number, aircraft string
	err = pool.QueryRow(context.Background(), `
		SELECT o.payload::text::bytea, i.capacity, f.flight_number, f.aircraft_code
		FROM outbox o JOIN flights f ON f.id::text = o.event_key JOIN flight_inventory i ON i.flight_id = f.id
		WHERE f.flight_number = 'AL101' LIMIT 1`).Scan(&payload, &capacity, &number, &aircraft)
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	var f events.Flight
	if err := json.Unmarshal(env.Payload, &f); err != nil {
		t.Fatal(err)
	}
	a, _ := schedule.AircraftByCode(aircraft)
	if env.Type != events.FlightScheduled || env.FlightVersion != 1 || f.Number != number ||
		f.Capacity != capacity || capacity != a.Capacity() || f.Layout.Aircraft != aircraft || f.SoldSeats == nil {
		t.Fatalf("event %+v / %+v does not match the stored flight %s (%s, capacity %d)", env, f, number, aircraft, capacity)
	}
}
