// Package postgres implements the command service's ports on PostgreSQL.
package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/outbox"
	"github.com/altisair/altis/services/command/internal/domain/schedule"
)

// ScheduleStore writes reference data and flights.
type ScheduleStore struct {
	pool *pgxpool.Pool
}

// NewScheduleStore returns a store on pool.
func NewScheduleStore(pool *pgxpool.Pool) *ScheduleStore {
	return &ScheduleStore{pool: pool}
}

// SaveReference upserts airports and aircraft with their seat maps.
func (s *ScheduleStore) SaveReference(ctx context.Context, airports []schedule.Airport, fleet []schedule.Aircraft) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := saveAirports(ctx, tx, airports); err != nil {
			return err
		}
		for _, a := range fleet {
			if err := saveAircraft(ctx, tx, a); err != nil {
				return fmt.Errorf("aircraft %s: %w", a.Code, err)
			}
		}
		return nil
	})
}

func saveAirports(ctx context.Context, tx pgx.Tx, airports []schedule.Airport) error {
	var codes, names, cities, countries, zones []string
	for _, a := range airports {
		codes, names, cities = append(codes, a.Code), append(names, a.Name), append(cities, a.City)
		countries, zones = append(countries, a.Country), append(zones, a.TimeZone)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO airports (code, name, city, country, time_zone)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
		ON CONFLICT (code) DO NOTHING`, codes, names, cities, countries, zones)
	if err != nil {
		return fmt.Errorf("save airports: %w", err)
	}
	return nil
}

func saveAircraft(ctx context.Context, tx pgx.Tx, a schedule.Aircraft) error {
	tag, err := tx.Exec(ctx, `INSERT INTO aircraft_types (code, name) VALUES ($1, $2)
		ON CONFLICT (code) DO NOTHING`, a.Code, a.Name)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	for _, c := range a.Cabins {
		_, err := tx.Exec(ctx, `INSERT INTO aircraft_cabins
			(aircraft_code, cabin_code, name, first_row, last_row, layout) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.Code, c.Code, c.Name, c.FirstRow, c.LastRow, c.Layout)
		if err != nil {
			return err
		}
	}
	return saveSeats(ctx, tx, a)
}

func saveSeats(ctx context.Context, tx pgx.Tx, a schedule.Aircraft) error {
	rows := [][]any{}
	for _, s := range a.Seats() {
		rows = append(rows, []any{a.Code, s.Number, s.Cabin, s.Row, s.Letter, s.Window, s.Aisle, s.ExitRow, s.Blocked})
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"aircraft_seats"},
		[]string{"aircraft_code", "seat_number", "cabin_code", "row_number", "letter",
			"is_window", "is_aisle", "is_exit_row", "is_blocked"},
		pgx.CopyFromRows(rows))
	return err
}

// SaveFlights inserts the flights that do not exist yet, with fares,
// inventory and one flight.scheduled event each, in one transaction.
func (s *ScheduleStore) SaveFlights(ctx context.Context, flights []schedule.Flight) (int, error) {
	inserted := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, err := insertFlights(ctx, tx, flights)
		if err != nil {
			return err
		}
		inserted = len(fresh)
		return insertDetails(ctx, tx, fresh)
	})
	return inserted, err
}

func insertFlights(ctx context.Context, tx pgx.Tx, flights []schedule.Flight) ([]schedule.Flight, error) {
	var ids, numbers, origins, dests, aircraft, currencies []string
	var deps, arrs []time.Time
	for _, f := range flights {
		ids, numbers, origins = append(ids, f.ID), append(numbers, f.Number), append(origins, f.Origin)
		dests, aircraft, currencies = append(dests, f.Destination), append(aircraft, f.Aircraft), append(currencies, f.Currency)
		deps, arrs = append(deps, f.Departure), append(arrs, f.Arrival)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO flights (id, flight_number, origin, destination, aircraft_code, currency, departure_at, arrival_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
		                     $7::timestamptz[], $8::timestamptz[])
		ON CONFLICT DO NOTHING
		RETURNING id::text`, ids, numbers, origins, dests, aircraft, currencies, deps, arrs)
	if err != nil {
		return nil, fmt.Errorf("insert flights: %w", err)
	}
	created, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert flights: %w", err)
	}
	return pick(flights, created), nil
}

func pick(flights []schedule.Flight, ids []string) []schedule.Flight {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make([]schedule.Flight, 0, len(ids))
	for _, f := range flights {
		if want[f.ID] {
			out = append(out, f)
		}
	}
	return out
}

func insertDetails(ctx context.Context, tx pgx.Tx, flights []schedule.Flight) error {
	if len(flights) == 0 {
		return nil
	}
	var fareRows, invRows [][]any
	msgs := make([]outbox.Message, 0, len(flights))
	for _, f := range flights {
		a, ok := schedule.AircraftByCode(f.Aircraft)
		if !ok {
			return fmt.Errorf("flight %s: unknown aircraft %s", f.Number, f.Aircraft)
		}
		for cabin, fare := range f.Fares {
			fareRows = append(fareRows, []any{f.ID, cabin, fare})
		}
		invRows = append(invRows, []any{f.ID, a.Capacity()})
		msg, err := scheduledEvent(f, a)
		if err != nil {
			return err
		}
		msgs = append(msgs, msg)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"flight_fares"}, []string{"flight_id", "cabin_code", "base_fare"}, pgx.CopyFromRows(fareRows)); err != nil {
		return fmt.Errorf("insert fares: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"flight_inventory"}, []string{"flight_id", "capacity"}, pgx.CopyFromRows(invRows)); err != nil {
		return fmt.Errorf("insert inventory: %w", err)
	}
	return outbox.Append(ctx, tx, msgs...)
}

// scheduledEvent is the flight.scheduled.v1 event of a new flight (version 1).
func scheduledEvent(f schedule.Flight, a schedule.Aircraft) (outbox.Message, error) {
	payload, err := json.Marshal(toFlightPayload(f, a))
	if err != nil {
		return outbox.Message{}, err
	}
	return NewEvent(events.FlightScheduled, f.ID, 1, time.Now(), payload)
}

// NewEvent wraps a payload in the envelope, ready for the outbox.
func NewEvent(typ, flightID string, version int64, at time.Time, payload []byte) (outbox.Message, error) {
	env := events.Envelope{
		EventID: uuid.NewString(), Type: typ, FlightID: flightID,
		FlightVersion: version, OccurredAt: at.UTC(), Payload: payload,
	}
	body, err := json.Marshal(env)
	if err != nil {
		return outbox.Message{}, err
	}
	return outbox.Message{EventID: env.EventID, Topic: events.TopicFlights, Key: flightID, Type: typ, Payload: body}, nil
}

func toFlightPayload(f schedule.Flight, a schedule.Aircraft) events.Flight {
	return events.Flight{
		Number: f.Number, Origin: f.Origin, Destination: f.Destination,
		DepartureAt: f.Departure.UTC(), ArrivalAt: f.Arrival.UTC(), Status: "SCHEDULED",
		Currency: f.Currency, Fares: f.Fares, Capacity: a.Capacity(), SoldSeats: []string{},
		Layout: toLayout(a),
	}
}

func toLayout(a schedule.Aircraft) events.SeatLayout {
	cabins := make([]events.Cabin, 0, len(a.Cabins))
	for _, c := range a.Cabins {
		cabins = append(cabins, events.Cabin{Code: c.Code, Name: c.Name, FirstRow: c.FirstRow, LastRow: c.LastRow, Layout: c.Layout})
	}
	return events.SeatLayout{Aircraft: a.Code, Name: a.Name, Cabins: cabins, ExitRows: a.ExitRows, Blocked: a.Blocked}
}
