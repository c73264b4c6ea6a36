package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// Catalog reads what trips are made of: flights with their fares and
// inventory, and aircraft seat maps (kept in memory once read: a seeded
// aircraft's seats never change).
type Catalog struct {
	pool  *pgxpool.Pool
	mu    sync.Mutex
	seats map[string]map[trip.SeatNumber]bool // aircraft → seat → blocked
}

// NewCatalog returns a catalog on pool.
func NewCatalog(pool *pgxpool.Pool) *Catalog {
	return &Catalog{pool: pool, seats: map[string]map[trip.SeatNumber]bool{}}
}

// Flights returns the flights among ids that exist, by id.
func (c *Catalog) Flights(ctx context.Context, ids []string) (map[string]trip.Flight, error) {
	rows, err := c.pool.Query(ctx, `
		SELECT f.id::text, f.flight_number, f.origin, f.destination, f.departure_at, f.arrival_at,
		       f.aircraft_code, f.status, f.currency, i.capacity, i.sold,
		       coalesce((SELECT jsonb_object_agg(ff.cabin_code, ff.base_fare)
		                 FROM flight_fares ff WHERE ff.flight_id = f.id), '{}')
		FROM flights f JOIN flight_inventory i ON i.flight_id = f.id
		WHERE f.id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("Catalog.Flights: %w", err)
	}
	flights, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trip.Flight, error) {
		var f trip.Flight
		err := r.Scan(&f.ID, &f.Number, &f.Origin, &f.Destination, &f.DepartureAt, &f.ArrivalAt,
			&f.Aircraft, &f.Status, &f.Currency, &f.Capacity, &f.Sold, &f.Fares)
		f.DepartureAt, f.ArrivalAt = f.DepartureAt.UTC(), f.ArrivalAt.UTC()
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("Catalog.Flights: %w", err)
	}
	out := make(map[string]trip.Flight, len(flights))
	for _, f := range flights {
		out[f.ID] = f
	}
	return out, nil
}

// Seats returns an aircraft's seats, each with whether it is blocked.
func (c *Catalog) Seats(ctx context.Context, aircraft string) (map[trip.SeatNumber]bool, error) {
	c.mu.Lock()
	seats, ok := c.seats[aircraft]
	c.mu.Unlock()
	if ok {
		return seats, nil
	}
	rows, err := c.pool.Query(ctx,
		`SELECT seat_number, is_blocked FROM aircraft_seats WHERE aircraft_code = $1`, aircraft)
	if err != nil {
		return nil, fmt.Errorf("Catalog.Seats(%s): %w", aircraft, err)
	}
	seats = map[trip.SeatNumber]bool{}
	var n string
	var blocked bool
	_, err = pgx.ForEachRow(rows, []any{&n, &blocked}, func() error {
		seats[trip.SeatNumber(n)] = blocked
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("Catalog.Seats(%s): %w", aircraft, err)
	}
	if len(seats) == 0 {
		return nil, fmt.Errorf("Catalog.Seats(%s): the aircraft has no seats", aircraft)
	}
	c.mu.Lock()
	c.seats[aircraft] = seats
	c.mu.Unlock()
	return seats, nil
}
