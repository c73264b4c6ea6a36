package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/outbox"
)

// The fixture aircraft: two economy rows of "AB_C" and row 2 an exit row;
// seat 2C is blocked, so 5 seats are for sale.
var layout = events.SeatLayout{
	Aircraft: "T5", Name: "Test 5",
	Cabins:   []events.Cabin{{Code: "Y", Name: "Economy", FirstRow: 1, LastRow: 2, Layout: "AB_C"}},
	ExitRows: []int{2}, Blocked: []string{"2C"},
}

const capacity = 5

var forSale = []string{"1A", "1B", "1C", "2A", "2B"}

func seedReference(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	exec(t, pool, `INSERT INTO airports VALUES ('JFK','John F. Kennedy','New York','US','America/New_York'),
		('LHR','Heathrow','London','GB','Europe/London'), ('CDG','Charles de Gaulle','Paris','FR','Europe/Paris')`)
	exec(t, pool, `INSERT INTO aircraft_types VALUES ('T5','Test 5')`)
	exec(t, pool, `INSERT INTO aircraft_cabins VALUES ('T5','Y','Economy',1,2,'AB_C')`)
	exec(t, pool, `INSERT INTO aircraft_seats VALUES
		('T5','1A','Y',1,'A',true,false,false,false), ('T5','1B','Y',1,'B',false,true,false,false),
		('T5','1C','Y',1,'C',true,true,false,false), ('T5','2A','Y',2,'A',true,false,true,false),
		('T5','2B','Y',2,'B',false,true,true,false), ('T5','2C','Y',2,'C',true,true,true,true)`)
}

func exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// scheduleFlights writes n flights on origin→destination, one an hour from
// tomorrow, each with its flight.scheduled event in the outbox.
func scheduleFlights(t testing.TB, pool *pgxpool.Pool, origin, destination string, n int) []string {
	t.Helper()
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 8*time.Hour)
	var ids []string
	for i := range n {
		id := uuid.NewString()
		dep := base.Add(time.Duration(i) * time.Hour)
		number := fmt.Sprintf("AL%d", 100+len(origin)*i+int(origin[0]))
		err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(context.Background(), `INSERT INTO flights (id, flight_number, origin, destination,
				departure_at, arrival_at, aircraft_code, currency) VALUES ($1,$2,$3,$4,$5,$6,'T5','USD')`,
				id, number, origin, destination, dep, dep.Add(7*time.Hour)); err != nil {
				return err
			}
			if _, err := tx.Exec(context.Background(), `INSERT INTO flight_fares VALUES ($1,'Y',50000)`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(context.Background(), `INSERT INTO flight_inventory (flight_id, capacity) VALUES ($1,$2)`, id, capacity); err != nil {
				return err
			}
			payload := events.Flight{Number: number, Origin: origin, Destination: destination, DepartureAt: dep,
				ArrivalAt: dep.Add(7 * time.Hour), Status: "SCHEDULED", Currency: "USD",
				Fares: map[string]int64{"Y": 50000}, Capacity: capacity, Layout: layout, SoldSeats: []string{}}
			return appendEvent(tx, events.FlightScheduled, id, 1, payload)
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func appendEvent(tx pgx.Tx, typ, flightID string, version int64, payload any) error {
	p, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	env := events.Envelope{EventID: uuid.NewString(), Type: typ, FlightID: flightID, FlightVersion: version,
		OccurredAt: time.Now().UTC(), Payload: p}
	body, err := json.Marshal(env)
	if err != nil {
		return err
	}
	return outbox.Append(context.Background(), tx, outbox.Message{EventID: env.EventID, Topic: events.TopicFlights,
		Key: flightID, Type: typ, Payload: body})
}

// references numbers bookings so their references never collide.
var references atomic.Int64

// book sells seats on a flight the way a booking commit does: booked seats,
// inventory version bump and a seats.sold event carrying the full sold set,
// all in one transaction.
func book(ctx context.Context, pool *pgxpool.Pool, flightID string, seats ...string) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		booking := uuid.NewString()
		ref := fmt.Sprintf("T%05d", references.Add(1))
		if _, err := tx.Exec(ctx, `INSERT INTO bookings (id, reference, guest_id, trip_id, email, status, currency, total_amount, quote)
			VALUES ($1,$2,'g',gen_random_uuid(),'t@example.com','CONFIRMED','USD',0,'{}')`, booking, ref); err != nil {
			return err
		}
		for _, s := range seats {
			pax := uuid.NewString()
			if _, err := tx.Exec(ctx, `INSERT INTO passengers VALUES ($1,$2,'Ada','Lovelace','ADULT')`, pax, booking); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO booked_seats VALUES ($1,$2,$3,$4,NULL)`, booking, pax, flightID, s); err != nil {
				return err
			}
		}
		return bumpAndPublish(ctx, tx, flightID, booking, events.SeatsSold, len(seats), seats)
	})
}

// cancel releases every seat of the bookings holding seats on the flight.
func cancel(ctx context.Context, pool *pgxpool.Pool, flightID string, seat string) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var booking string
		err := tx.QueryRow(ctx, `UPDATE booked_seats SET released_at = now()
			WHERE flight_id = $1 AND seat_number = $2 AND released_at IS NULL RETURNING booking_id::text`, flightID, seat).Scan(&booking)
		if err != nil {
			return err
		}
		return bumpAndPublish(ctx, tx, flightID, booking, events.SeatsReleased, -1, []string{seat})
	})
}

func bumpAndPublish(ctx context.Context, tx pgx.Tx, flightID, booking, typ string, delta int, seats []string) error {
	var version int64
	if err := tx.QueryRow(ctx, `UPDATE flight_inventory SET sold = sold + $2, version = version + 1
		WHERE flight_id = $1 RETURNING version`, flightID, delta).Scan(&version); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT seat_number FROM booked_seats WHERE flight_id = $1 AND released_at IS NULL ORDER BY 1`, flightID)
	if err != nil {
		return err
	}
	sold, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	return appendEvent(tx, typ, flightID, version, events.Seats{BookingID: booking, Seats: seats, SoldSeats: sold})
}
