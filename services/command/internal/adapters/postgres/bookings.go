package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/outbox"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// providerName is recorded with every payment.
const providerName = "test"

// Bookings writes and reads bookings. Every read and change is by owner:
// the guest id is part of each query, so another guest's booking does not
// exist for the caller.
type Bookings struct {
	pool *pgxpool.Pool
}

// NewBookings returns the store on pool.
func NewBookings(pool *pgxpool.Pool) *Bookings { return &Bookings{pool: pool} }

// Commit writes b in one transaction: the booking with a fresh reference,
// its passengers and seats (the unique index refuses a seat sold twice:
// booking.ErrSeatTaken), each flight's inventory moved under a guard
// (booking.ErrSoldOut) with a new version, a seats.sold event per flight
// in the outbox, the payments, and — when the request carries an
// idempotency key — its answer. It returns each flight's new version.
func (s *Bookings) Commit(ctx context.Context, b booking.Booking, idem *app.IdempotencyAnswer) (map[string]int64, error) {
	var versions map[string]int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := insertBooking(ctx, tx, &b); err != nil {
			return err
		}
		if err := insertPassengers(ctx, tx, b); err != nil {
			return err
		}
		var err error
		if versions, err = sell(ctx, tx, b); err != nil {
			return err
		}
		if err := insertPayments(ctx, tx, b); err != nil {
			return err
		}
		return completeIdempotency(ctx, tx, b, idem)
	})
	if err != nil {
		return nil, fmt.Errorf("Bookings.Commit(%s): %w", b.ID, err)
	}
	return versions, nil
}

// insertBooking draws references until one is free (a clash is rare: 32⁶
// references).
func insertBooking(ctx context.Context, tx pgx.Tx, b *booking.Booking) error {
	quote, err := json.Marshal(b.Quote)
	if err != nil {
		return err
	}
	cur := b.Quote.BookingCurrency
	for range 10 {
		var random [6]byte
		if _, err := rand.Read(random[:]); err != nil {
			return err
		}
		b.Reference = booking.NewReference(random)
		tag, err := tx.Exec(ctx, `
			INSERT INTO bookings (id, reference, guest_id, trip_id, email, status, currency, total_amount, quote, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (reference) DO NOTHING`,
			b.ID, b.Reference, b.Owner, b.TripID, b.Email.Reveal(), b.Status, cur, b.Quote.Total(cur), quote, b.CreatedAt)
		if isUnique(err, "bookings_trip_id_key") {
			return trip.ErrClosed
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
	}
	return errors.New("no free booking reference after 10 draws")
}

func insertPassengers(ctx context.Context, tx pgx.Tx, b booking.Booking) error {
	var ids, firsts, lasts, types, seatPax, seatFlights, seatNums []string
	for _, p := range b.Passengers {
		ids, firsts, lasts = append(ids, p.ID), append(firsts, string(p.FirstName)), append(lasts, string(p.LastName))
		types = append(types, string(p.Type))
		for _, s := range p.Seats {
			seatPax, seatFlights, seatNums = append(seatPax, p.ID), append(seatFlights, s.FlightID), append(seatNums, string(s.Number))
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO passengers (id, booking_id, first_name, last_name, passenger_type, position)
		SELECT id, $1, f, l, t, n FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[])
		WITH ORDINALITY AS x(id, f, l, t, n)`,
		b.ID, ids, firsts, lasts, types); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO booked_seats (booking_id, passenger_id, flight_id, seat_number)
		SELECT $1, p, f, n FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS x(p, f, n)`,
		b.ID, seatPax, seatFlights, seatNums)
	if isUnique(err, "booked_seats_one_sale") {
		return booking.ErrSeatTaken
	}
	return err
}

// sell moves each flight's inventory and writes its event.
func sell(ctx context.Context, tx pgx.Tx, b booking.Booking) (map[string]int64, error) {
	versions := map[string]int64{}
	var msgs []outbox.Message
	for flight, seats := range b.Seats() {
		v, err := moveInventory(ctx, tx, flight, len(seats))
		if err != nil {
			return nil, err
		}
		versions[flight] = v
		msg, err := seatsEvent(ctx, tx, events.SeatsSold, b.ID, flight, seats, v)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
	}
	return versions, outbox.Append(ctx, tx, msgs...)
}

// moveInventory adds n sold seats (negative: released) under the guard
// 0 ≤ sold ≤ capacity and returns the flight's new version.
func moveInventory(ctx context.Context, tx pgx.Tx, flight string, n int) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, `
		UPDATE flight_inventory SET sold = sold + $2, version = version + 1
		WHERE flight_id = $1 AND sold + $2 BETWEEN 0 AND capacity
		RETURNING version`, flight, n).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, booking.ErrSoldOut
	}
	return v, err
}

// seatsEvent is a seats.sold or seats.released event carrying the seats
// that changed and every seat sold on the flight after the change.
func seatsEvent(ctx context.Context, tx pgx.Tx, typ, bookingID, flight string, changed []trip.SeatNumber, v int64) (outbox.Message, error) {
	var sold []string
	err := tx.QueryRow(ctx, `
		SELECT coalesce(array_agg(seat_number ORDER BY seat_number), '{}') FROM booked_seats
		WHERE flight_id = $1 AND released_at IS NULL`, flight).Scan(&sold)
	if err != nil {
		return outbox.Message{}, err
	}
	seats := make([]string, len(changed))
	for i, s := range changed {
		seats[i] = string(s)
	}
	payload, err := json.Marshal(events.Seats{BookingID: bookingID, Seats: seats, SoldSeats: sold})
	if err != nil {
		return outbox.Message{}, err
	}
	return NewEvent(typ, flight, v, time.Now(), payload)
}

func insertPayments(ctx context.Context, tx pgx.Tx, b booking.Booking) error {
	for _, p := range b.Charges {
		c := p.Charge
		_, err := tx.Exec(ctx, `
			INSERT INTO payments (id, booking_id, provider, token_ref, amount, currency, status)
			VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'CAPTURED')`,
			b.ID, providerName, c.Ref, c.Money.Amount, c.Money.Currency)
		if err != nil {
			return err
		}
	}
	return nil
}

// completeIdempotency stores the request's answer in the same transaction
// as the booking: a crash can never leave a booking whose key still
// claims to be running.
func completeIdempotency(ctx context.Context, tx pgx.Tx, b booking.Booking, idem *app.IdempotencyAnswer) error {
	if idem == nil || idem.Slot == nil {
		return nil
	}
	status, body, err := idem.Render(b)
	if err != nil {
		return err
	}
	if err := CompleteIdempotencyTx(ctx, tx, idem.Slot.Guest, idem.Slot.Key, status, body); err != nil {
		return err
	}
	idem.Slot.MarkDone()
	return nil
}

func isUnique(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// Get reads the guest's booking.
func (s *Bookings) Get(ctx context.Context, guest, id string) (booking.Booking, error) {
	b, err := getBooking(ctx, s.pool, guest, id, false)
	if err != nil {
		return b, fmt.Errorf("Bookings.Get(%s): %w", id, err)
	}
	return b, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func getBooking(ctx context.Context, q querier, guest, id string, lock bool) (booking.Booking, error) {
	sql := `SELECT id::text, reference, guest_id, trip_id::text, email, status, quote, created_at, cancelled_at
		FROM bookings WHERE id = $1 AND guest_id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var b booking.Booking
	var email string
	var quote []byte
	var cancelled *time.Time
	err := q.QueryRow(ctx, sql, id, guest).Scan(&b.ID, &b.Reference, &b.Owner, &b.TripID, &email, &b.Status, &quote, &b.CreatedAt, &cancelled)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, booking.ErrNotFound
	}
	if err != nil {
		return b, err
	}
	b.Email, b.CreatedAt = booking.Email(email), b.CreatedAt.UTC()
	if cancelled != nil {
		b.CancelledAt = cancelled.UTC()
	}
	if err := json.Unmarshal(quote, &b.Quote); err != nil {
		return b, fmt.Errorf("corrupt quote: %w", err)
	}
	if b.Passengers, err = passengersOf(ctx, q, b.ID); err != nil {
		return b, err
	}
	b.Charges, err = chargesOf(ctx, q, b.ID)
	return b, err
}

func passengersOf(ctx context.Context, q querier, bookingID string) ([]booking.Passenger, error) {
	rows, err := q.Query(ctx, `
		SELECT p.id::text, p.first_name, p.last_name, p.passenger_type,
		       coalesce(array_agg(s.flight_id::text ORDER BY s.flight_id) FILTER (WHERE s.flight_id IS NOT NULL), '{}'),
		       coalesce(array_agg(s.seat_number ORDER BY s.flight_id) FILTER (WHERE s.flight_id IS NOT NULL), '{}')
		FROM passengers p LEFT JOIN booked_seats s ON s.passenger_id = p.id
		WHERE p.booking_id = $1 GROUP BY p.id ORDER BY p.position`, bookingID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (booking.Passenger, error) {
		var p booking.Passenger
		var first, last, typ string
		var flights, seats []string
		if err := r.Scan(&p.ID, &first, &last, &typ, &flights, &seats); err != nil {
			return p, err
		}
		p.FirstName, p.LastName, p.Type = trip.Name(first), trip.Name(last), pricing.PassengerType(typ)
		for i := range flights {
			p.Seats = append(p.Seats, trip.Seat{FlightID: flights[i], Number: trip.SeatNumber(seats[i])})
		}
		return p, nil
	})
}

func chargesOf(ctx context.Context, q querier, bookingID string) ([]booking.Payment, error) {
	rows, err := q.Query(ctx, `SELECT token_ref, amount, currency, status FROM payments WHERE booking_id = $1 ORDER BY currency`, bookingID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (booking.Payment, error) {
		var p booking.Payment
		var status string
		err := r.Scan(&p.Charge.Ref, &p.Charge.Money.Amount, &p.Charge.Money.Currency, &status)
		p.Refunded = status == "REFUNDED"
		return p, err
	})
}

// Cancel marks the guest's booking cancelled and releases its seats in one
// transaction (inventory with a new version, a seats.released event per
// flight). Cancelling a cancelled booking changes nothing and reports
// changed false.
func (s *Bookings) Cancel(ctx context.Context, guest, id string, now time.Time) (b booking.Booking, changed bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if b, err = getBooking(ctx, tx, guest, id, true); err != nil || b.Status == booking.Cancelled {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET status = 'CANCELLED', cancelled_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE booked_seats SET released_at = $2 WHERE booking_id = $1 AND released_at IS NULL`, id, now); err != nil {
			return err
		}
		var msgs []outbox.Message
		for flight, seats := range b.Seats() {
			v, err := moveInventory(ctx, tx, flight, -len(seats))
			if err != nil {
				return err
			}
			msg, err := seatsEvent(ctx, tx, events.SeatsReleased, b.ID, flight, seats, v)
			if err != nil {
				return err
			}
			msgs = append(msgs, msg)
		}
		b.Status, b.CancelledAt, changed = booking.Cancelled, now.UTC(), true
		return outbox.Append(ctx, tx, msgs...)
	})
	if err != nil {
		return b, false, fmt.Errorf("Bookings.Cancel(%s): %w", id, err)
	}
	return b, changed, nil
}

// MarkRefunded records that a charge of the booking was refunded.
func (s *Bookings) MarkRefunded(ctx context.Context, bookingID, ref string) error {
	_, err := s.pool.Exec(ctx, `UPDATE payments SET status = 'REFUNDED' WHERE booking_id = $1 AND token_ref = $2`, bookingID, ref)
	if err != nil {
		return fmt.Errorf("Bookings.MarkRefunded(%s): %w", bookingID, err)
	}
	return nil
}
