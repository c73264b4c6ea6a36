package pipeline

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchmarkCommitToIndex measures projector lag: the time from a booking's
// PostgreSQL commit until its seat shows in the Redis index, through the
// real relay, embedded broker and consumer. Reports p50/p99 besides ns/op.
func BenchmarkCommitToIndex(b *testing.B) {
	p := newPipeline(b, "")
	seedReference(b, p.pool)
	flights := scheduleFlights(b, p.pool, "JFK", "LHR", 1+b.N/len(forSale))
	p.start(b)
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		b.Fatal(err)
	}
	gen, err := p.rdb.Do(context.Background(), p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
	if err != nil {
		b.Fatal(err)
	}
	lags := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		flight, seat := flights[i/len(forSale)], forSale[i%len(forSale)]
		if err := book(context.Background(), p.pool, flight, seat); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		waitSold(b, p, gen, flight, seat)
		lags = append(lags, time.Since(committed))
	}
	b.StopTimer()
	reportPercentiles(b, lags)
}

func waitSold(b *testing.B, p *pipeline, gen int64, flight, seat string) {
	deadline := time.Now().Add(10 * time.Second)
	key := p.keys.SoldSeats(gen, flight)
	for time.Now().Before(deadline) {
		ok, err := p.rdb.Do(context.Background(), p.rdb.B().Sismember().Key(key).Member(seat).Build()).AsBool()
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
	b.Fatalf("seat %s of %s never reached the index", seat, flight)
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkRebuild measures a full index rebuild from PostgreSQL for the
// default seed's size (~10k flights), each on a 180-seat aircraft with a
// third of its seats sold. ALTIS_BENCH_LARGE=1 adds 100k flights (seeding
// those 6M rows takes about eight minutes here).
func BenchmarkRebuild(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("ALTIS_BENCH_LARGE") == "1" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("flights=%d", n), func(b *testing.B) {
			p := newPipeline(b, "")
			bulkSeed(b, p.pool, n)
			b.ResetTimer()
			for range b.N {
				res, err := p.rebuild.Handle(context.Background())
				if err != nil || res.Flights != n {
					b.Fatalf("rebuild: %+v %v", res, err)
				}
			}
			b.ReportMetric(float64(n), "flights")
		})
	}
}

// bulkSeed writes n flights on a 30-row 3-3 aircraft (180 seats) with rows
// 1-10 sold, using set-based SQL.
func bulkSeed(b *testing.B, pool *pgxpool.Pool, n int) {
	b.Helper()
	exec(b, pool, `INSERT INTO airports VALUES ('JFK','John F. Kennedy','New York','US','America/New_York'),
		('LHR','Heathrow','London','GB','Europe/London')`)
	exec(b, pool, `INSERT INTO aircraft_types VALUES ('B180','Bench 180')`)
	exec(b, pool, `INSERT INTO aircraft_cabins VALUES ('B180','Y','Economy',1,30,'ABC_DEF')`)
	exec(b, pool, `INSERT INTO aircraft_seats
		SELECT 'B180', r || l, 'Y', r, l, l IN ('A','F'), l IN ('C','D'), r = 12, false
		FROM generate_series(1,30) r, unnest(ARRAY['A','B','C','D','E','F']) l`)
	exec(b, pool, `INSERT INTO flights (id, flight_number, origin, destination, departure_at, arrival_at, aircraft_code, currency)
		SELECT gen_random_uuid(), 'AL' || (i % 100000), CASE WHEN i % 2 = 0 THEN 'JFK' ELSE 'LHR' END,
		       CASE WHEN i % 2 = 0 THEN 'LHR' ELSE 'JFK' END,
		       now() + interval '1 day' + i * interval '1 minute', now() + interval '1 day' + i * interval '1 minute' + interval '7 hours',
		       'B180', 'USD'
		FROM generate_series(1, $1) i`, n)
	exec(b, pool, `INSERT INTO flight_fares SELECT id, 'Y', 50000 FROM flights`)
	exec(b, pool, `INSERT INTO flight_inventory (flight_id, capacity, sold, version) SELECT id, 180, 60, 2 FROM flights`)
	exec(b, pool, `INSERT INTO bookings (id, reference, guest_id, trip_id, email, status, currency, total_amount, quote)
		SELECT id, 'B' || lpad(upper(to_hex(row_number() OVER ())), 5, '0'), 'g', gen_random_uuid(),
		       'b@example.com', 'CONFIRMED', 'USD', 0, '{}' FROM flights`)
	exec(b, pool, `INSERT INTO passengers
		SELECT gen_random_uuid(), f.id, 'P', s.seat_number, 'ADULT'
		FROM flights f, aircraft_seats s WHERE s.row_number <= 10`)
	exec(b, pool, `INSERT INTO booked_seats (booking_id, passenger_id, flight_id, seat_number)
		SELECT p.booking_id, p.id, p.booking_id, p.last_name FROM passengers p`)
	exec(b, pool, `ANALYZE`)
}
