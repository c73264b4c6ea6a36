// Package postgres reads the projector's snapshot of flights and sold seats
// from the source of truth.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/services/projector/internal/app"
)

// Snapshot reads flights in one REPEATABLE READ transaction.
type Snapshot struct {
	pool *pgxpool.Pool
	// Since limits the snapshot to flights arriving after now-Since;
	// departed flights never appear in search anyway.
	Since time.Duration
}

// NewSnapshot returns a snapshot reader.
func NewSnapshot(pool *pgxpool.Pool) *Snapshot {
	return &Snapshot{pool: pool, Since: 24 * time.Hour}
}

const flightsSQL = `
SELECT f.id::text, f.flight_number, f.origin, f.destination, f.departure_at, f.arrival_at,
       f.aircraft_code, f.status, f.currency, i.capacity, i.version,
       (SELECT jsonb_object_agg(cabin_code, base_fare) FROM flight_fares WHERE flight_id = f.id),
       COALESCE((SELECT array_agg(seat_number ORDER BY seat_number) FROM booked_seats b
                 WHERE b.flight_id = f.id AND b.released_at IS NULL), '{}')
FROM flights f
JOIN flight_inventory i ON i.flight_id = f.id
WHERE f.arrival_at > $1
ORDER BY f.departure_at, f.id`

// Each calls fn with batches of updates, all read as of one moment.
func (s *Snapshot) Each(ctx context.Context, batch int, fn func([]app.Update) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	layouts, err := loadLayouts(ctx, tx)
	if err != nil {
		return err
	}
	// The layouts are as of this transaction's start: that orders them
	// after every event committed before it (see app.Flight.LayoutVersion).
	var asOf int64
	if err := tx.QueryRow(ctx, `SELECT (extract(epoch FROM transaction_timestamp()) * 1000)::bigint`).Scan(&asOf); err != nil {
		return fmt.Errorf("snapshot time: %w", err)
	}
	rows, err := tx.Query(ctx, flightsSQL, time.Now().Add(-s.Since))
	if err != nil {
		return fmt.Errorf("snapshot flights: %w", err)
	}
	defer rows.Close()
	buf := make([]app.Update, 0, batch)
	for rows.Next() {
		u, err := scanFlight(rows, layouts)
		if err != nil {
			return err
		}
		u.Flight.LayoutVersion = asOf
		if buf = append(buf, u); len(buf) == batch {
			if err := fn(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("snapshot flights: %w", err)
	}
	if len(buf) > 0 {
		return fn(buf)
	}
	return nil
}

func scanFlight(rows pgx.Rows, layouts map[string]events.SeatLayout) (app.Update, error) {
	var u app.Update
	var f app.Flight
	var aircraft string
	err := rows.Scan(&u.FlightID, &f.Number, &f.Origin, &f.Destination, &f.DepartureAt, &f.ArrivalAt,
		&aircraft, &f.Status, &f.Currency, &f.Capacity, &u.Version, &f.Fares, &u.SoldSeats)
	if err != nil {
		return u, fmt.Errorf("snapshot row: %w", err)
	}
	layout, ok := layouts[aircraft]
	if !ok {
		return u, fmt.Errorf("snapshot: flight %s has unknown aircraft %s", u.FlightID, aircraft)
	}
	f.Layout = layout
	u.Flight, u.HasSeats = &f, true
	return u, nil
}

// loadLayouts reads every aircraft's seat map.
func loadLayouts(ctx context.Context, tx pgx.Tx) (map[string]events.SeatLayout, error) {
	rows, err := tx.Query(ctx, `
		SELECT t.code, t.name, c.cabin_code, c.name, c.first_row, c.last_row, c.layout
		FROM aircraft_types t JOIN aircraft_cabins c ON c.aircraft_code = t.code
		ORDER BY t.code, c.first_row`)
	if err != nil {
		return nil, fmt.Errorf("snapshot layouts: %w", err)
	}
	defer rows.Close()
	out := map[string]events.SeatLayout{}
	for rows.Next() {
		var code, name string
		var c events.Cabin
		if err := rows.Scan(&code, &name, &c.Code, &c.Name, &c.FirstRow, &c.LastRow, &c.Layout); err != nil {
			return nil, err
		}
		l := out[code]
		l.Aircraft, l.Name, l.Cabins = code, name, append(l.Cabins, c)
		out[code] = l
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, addSeatFlags(ctx, tx, out)
}

// addSeatFlags fills exit rows and blocked seats from aircraft_seats.
func addSeatFlags(ctx context.Context, tx pgx.Tx, layouts map[string]events.SeatLayout) error {
	rows, err := tx.Query(ctx, `
		SELECT aircraft_code, row_number, seat_number, is_exit_row, is_blocked
		FROM aircraft_seats WHERE is_exit_row OR is_blocked
		ORDER BY aircraft_code, row_number, seat_number`)
	if err != nil {
		return fmt.Errorf("snapshot seats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, seat string
		var row int
		var exit, blocked bool
		if err := rows.Scan(&code, &row, &seat, &exit, &blocked); err != nil {
			return err
		}
		l := layouts[code]
		if exit && !containsInt(l.ExitRows, row) {
			l.ExitRows = append(l.ExitRows, row)
		}
		if blocked {
			l.Blocked = append(l.Blocked, seat)
		}
		layouts[code] = l
	}
	return rows.Err()
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
