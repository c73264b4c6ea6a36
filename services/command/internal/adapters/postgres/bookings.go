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
// idempotency key — its answer. The statements travel in two batches, so
// the transaction costs four round trips whatever the booking's size. It
// returns the booking as written (with its reference) and each flight's
// new version.
func (s *Bookings) Commit(ctx context.Context, b booking.Booking, idem *app.IdempotencyAnswer) (booking.Booking, map[string]int64, error) {
	var versions map[string]int64
	var err error
	for range 10 { // a new reference when the drawn one is taken (32⁶ of them)
		var random [6]byte
		if _, err = rand.Read(random[:]); err != nil {
			break
		}
		b.Reference = booking.NewReference(random)
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var msgs []outbox.Message
			if versions, msgs, err = writeSale(ctx, tx, b); err != nil {
				return err
			}
			return finishSale(ctx, tx, b, msgs, idem)
		})
		if !errors.Is(err, errReferenceTaken) {
			break
		}
	}
	if err != nil {
		return booking.Booking{}, nil, fmt.Errorf("Bookings.Commit(%s): %w", b.ID, err)
	}
	return b, versions, nil
}

var errReferenceTaken = errors.New("booking reference taken")

// writeSale sends the booking, passengers, seats, payments, inventory
// moves and sold-seat reads in one batch, and builds each flight's event.
func writeSale(ctx context.Context, tx pgx.Tx, b booking.Booking) (map[string]int64, []outbox.Message, error) {
	quote, err := json.Marshal(b.Quote)
	if err != nil {
		return nil, nil, err
	}
	cur := b.Quote.BookingCurrency
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO bookings (id, reference, guest_id, trip_id, email, status, currency, total_amount, quote, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (reference) DO NOTHING`,
		b.ID, b.Reference, b.Owner, b.TripID, b.Email.Reveal(), b.Status, cur, b.Quote.Total(cur), quote, b.CreatedAt)
	queuePassengers(batch, b)
	queuePayments(batch, b)
	seats := b.Seats()
	flights := make([]string, 0, len(seats))
	for flight, nums := range seats {
		flights = append(flights, flight)
		queueMove(batch, flight, len(nums))
	}
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	if err := readSaleRows(res); err != nil {
		return nil, nil, err
	}
	versions := map[string]int64{}
	msgs := make([]outbox.Message, 0, len(flights))
	for _, flight := range flights {
		v, sold, err := readMove(res)
		if err != nil {
			return nil, nil, err
		}
		versions[flight] = v
		msg, err := seatsEvent(events.SeatsSold, b.ID, flight, seats[flight], sold, v)
		if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, msg)
	}
	return versions, msgs, res.Close()
}

// readSaleRows reads the booking, passengers, seats and payments results.
func readSaleRows(res pgx.BatchResults) error {
	tag, err := res.Exec()
	if isUnique(err, "bookings_trip_id_key") {
		return trip.ErrClosed
	}
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errReferenceTaken
	}
	if _, err := res.Exec(); err != nil {
		return err
	}
	if _, err := res.Exec(); isUnique(err, "booked_seats_one_sale") {
		return booking.ErrSeatTaken
	} else if err != nil {
		return err
	}
	_, err = res.Exec()
	return err
}

func queuePassengers(batch *pgx.Batch, b booking.Booking) {
	var ids, firsts, lasts, types, seatPax, seatFlights, seatNums []string
	for _, p := range b.Passengers {
		ids, firsts, lasts = append(ids, p.ID), append(firsts, string(p.FirstName)), append(lasts, string(p.LastName))
		types = append(types, string(p.Type))
		for _, s := range p.Seats {
			seatPax, seatFlights, seatNums = append(seatPax, p.ID), append(seatFlights, s.FlightID), append(seatNums, string(s.Number))
		}
	}
	batch.Queue(`INSERT INTO passengers (id, booking_id, first_name, last_name, passenger_type, position)
		SELECT id, $1, f, l, t, n FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[])
		WITH ORDINALITY AS x(id, f, l, t, n)`, b.ID, ids, firsts, lasts, types)
	batch.Queue(`INSERT INTO booked_seats (booking_id, passenger_id, flight_id, seat_number)
		SELECT $1, p, f, n FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS x(p, f, n)`,
		b.ID, seatPax, seatFlights, seatNums)
}

func queuePayments(batch *pgx.Batch, b booking.Booking) {
	var refs, currencies []string
	var amounts []int64
	for _, p := range b.Charges {
		refs, currencies = append(refs, p.Charge.Ref), append(currencies, p.Charge.Money.Currency)
		amounts = append(amounts, p.Charge.Money.Amount)
	}
	batch.Queue(`INSERT INTO payments (id, booking_id, provider, token_ref, amount, currency, status)
		SELECT gen_random_uuid(), $1, $2, r, a, c, 'CAPTURED' FROM unnest($3::text[], $4::bigint[], $5::text[]) AS x(r, a, c)`,
		b.ID, providerName, refs, amounts, currencies)
}

// queueMove adds n sold seats to a flight (negative: released) under the
// guard 0 ≤ sold ≤ capacity, then reads every seat sold after the change.
func queueMove(batch *pgx.Batch, flight string, n int) {
	batch.Queue(`UPDATE flight_inventory SET sold = sold + $2, version = version + 1
		WHERE flight_id = $1 AND sold + $2 BETWEEN 0 AND capacity RETURNING version`, flight, n)
	batch.Queue(`SELECT coalesce(array_agg(seat_number ORDER BY seat_number), '{}') FROM booked_seats
		WHERE flight_id = $1 AND released_at IS NULL`, flight)
}

// readMove reads what queueMove queued: the new version and the sold seats.
func readMove(res pgx.BatchResults) (int64, []string, error) {
	var v int64
	if err := res.QueryRow().Scan(&v); errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, booking.ErrSoldOut
	} else if err != nil {
		return 0, nil, err
	}
	var sold []string
	err := res.QueryRow().Scan(&sold)
	return v, sold, err
}

// finishSale appends the events and, with a key, stores the answer.
func finishSale(ctx context.Context, tx pgx.Tx, b booking.Booking, msgs []outbox.Message, idem *app.IdempotencyAnswer) error {
	if err := outbox.Append(ctx, tx, msgs...); err != nil {
		return err
	}
	return completeIdempotency(ctx, tx, b, idem)
}

// seatsEvent is a seats.sold or seats.released event carrying the seats
// that changed and every seat sold on the flight after the change.
func seatsEvent(typ, bookingID, flight string, changed []trip.SeatNumber, sold []string, v int64) (outbox.Message, error) {
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
		msgs, err := release(ctx, tx, b)
		if err != nil {
			return err
		}
		b.Status, b.CancelledAt, changed = booking.Cancelled, now.UTC(), true
		return outbox.Append(ctx, tx, msgs...)
	})
	if err != nil {
		return b, false, fmt.Errorf("Bookings.Cancel(%s): %w", id, err)
	}
	return b, changed, nil
}

// release moves each flight's inventory back and builds its event.
func release(ctx context.Context, tx pgx.Tx, b booking.Booking) ([]outbox.Message, error) {
	seats := b.Seats()
	batch := &pgx.Batch{}
	flights := make([]string, 0, len(seats))
	for flight, nums := range seats {
		flights = append(flights, flight)
		queueMove(batch, flight, -len(nums))
	}
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	msgs := make([]outbox.Message, 0, len(flights))
	for _, flight := range flights {
		v, sold, err := readMove(res)
		if err != nil {
			return nil, err
		}
		msg, err := seatsEvent(events.SeatsReleased, b.ID, flight, seats[flight], sold, v)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
	}
	return msgs, res.Close()
}

// MarkRefunded records that a charge of the booking was refunded.
func (s *Bookings) MarkRefunded(ctx context.Context, bookingID, ref string) error {
	_, err := s.pool.Exec(ctx, `UPDATE payments SET status = 'REFUNDED' WHERE booking_id = $1 AND token_ref = $2`, bookingID, ref)
	if err != nil {
		return fmt.Errorf("Bookings.MarkRefunded(%s): %w", bookingID, err)
	}
	return nil
}
