package migrations_test

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/testenv"
)

// newest is the highest version among the embedded migration files
// (00003_idempotency.sql is version 3).
func newest(t *testing.T) int64 {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var v int64
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		n, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			t.Fatalf("migration %s has no numeric version: %v", e.Name(), err)
		}
		v = max(v, n)
	}
	if v < 3 {
		t.Fatalf("newest migration is version %d, want at least 3", v)
	}
	return v
}

func TestUpOnEmptyDatabaseThenIdempotent(t *testing.T) {
	ctx := context.Background()
	latest := newest(t)
	url := testenv.Database(t)
	v, err := migrations.Up(ctx, url, logging.Discard())
	if err != nil || v != latest {
		t.Fatalf("first up: version %d, err %v", v, err)
	}
	v, err = migrations.Up(ctx, url, logging.Discard())
	if err != nil || v != latest {
		t.Fatalf("second up: version %d, err %v", v, err)
	}
	conn := connect(t, url)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name IN ('airports','aircraft_types','aircraft_cabins',
		'aircraft_seats','flights','flight_fares','flight_inventory','bookings','passengers',
		'booked_seats','payments','outbox','idempotency_keys')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 13 {
		t.Fatalf("found %d of 13 tables", n)
	}
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	url := testenv.Database(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := migrations.Up(context.Background(), url, logging.Discard())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent up: %v", err)
		}
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// fixture inserts one airport pair, an aircraft with two seats, a flight and
// a confirmed booking with one passenger, and returns the ids.
func fixture(t *testing.T, conn *pgx.Conn) (flightID, bookingID, passengerID string) {
	t.Helper()
	flightID, bookingID, passengerID = "11111111-1111-4111-8111-111111111111",
		"22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	mustExec(t, conn, `INSERT INTO airports VALUES ('JFK','John F. Kennedy','New York','US','America/New_York'),
		('LHR','Heathrow','London','GB','Europe/London')`)
	mustExec(t, conn, `INSERT INTO aircraft_types VALUES ('T1','Test')`)
	mustExec(t, conn, `INSERT INTO aircraft_cabins VALUES ('T1','Y','Economy',1,1,'A_B')`)
	mustExec(t, conn, `INSERT INTO aircraft_seats VALUES ('T1','1A','Y',1,'A',true,true,false,false),
		('T1','1B','Y',1,'B',true,true,false,false)`)
	mustExec(t, conn, `INSERT INTO flights (id, flight_number, origin, destination, departure_at, arrival_at, aircraft_code, currency)
		VALUES ($1,'AL101','JFK','LHR','2030-01-01T10:00Z','2030-01-01T17:00Z','T1','USD')`, flightID)
	mustExec(t, conn, `INSERT INTO flight_inventory (flight_id, capacity) VALUES ($1, 2)`, flightID)
	mustExec(t, conn, `INSERT INTO bookings (id, reference, guest_id, trip_id, email, status, currency, total_amount, quote)
		VALUES ($1,'ABC123','g1',gen_random_uuid(),'a@example.com','CONFIRMED','USD',100,'{}')`, bookingID)
	mustExec(t, conn, `INSERT INTO passengers VALUES ($1,$2,'Ada','Lovelace','ADULT')`, passengerID, bookingID)
	return flightID, bookingID, passengerID
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestSchemaRefusesToSellASeatTwice(t *testing.T) {
	ctx := context.Background()
	url := testenv.Database(t)
	if _, err := migrations.Up(ctx, url, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	flight, booking, pax := fixture(t, conn)
	mustExec(t, conn, `INSERT INTO booked_seats VALUES ($1,$2,$3,'1A',NULL)`, booking, pax, flight)
	mustExec(t, conn, `INSERT INTO passengers VALUES ('44444444-4444-4444-8444-444444444444',$1,'Bob','B','ADULT')`, booking)
	_, err := conn.Exec(ctx, `INSERT INTO booked_seats VALUES ($1,'44444444-4444-4444-8444-444444444444',$2,'1A',NULL)`, booking, flight)
	if pgCode(err) != "23505" {
		t.Fatalf("second sale of 1A: err %v, want unique violation", err)
	}
	// Once released, the seat can be sold again.
	mustExec(t, conn, `UPDATE booked_seats SET released_at = now() WHERE seat_number = '1A'`)
	mustExec(t, conn, `INSERT INTO booked_seats VALUES ($1,'44444444-4444-4444-8444-444444444444',$2,'1B',NULL)`, booking, flight)
}

func TestInventoryVersionOnlyGrows(t *testing.T) {
	ctx := context.Background()
	url := testenv.Database(t)
	if _, err := migrations.Up(ctx, url, logging.Discard()); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	flight, _, _ := fixture(t, conn)
	mustExec(t, conn, `UPDATE flight_inventory SET version = version + 1, sold = 1 WHERE flight_id = $1`, flight)
	_, err := conn.Exec(ctx, `UPDATE flight_inventory SET sold = 0 WHERE flight_id = $1`, flight)
	if pgCode(err) != "23514" {
		t.Fatalf("update without version bump: err %v, want check violation", err)
	}
	_, err = conn.Exec(ctx, `UPDATE flight_inventory SET version = version + 1, sold = 3 WHERE flight_id = $1`, flight)
	if pgCode(err) != "23514" {
		t.Fatalf("oversell: err %v, want check violation", err)
	}
}
