package http_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/altisair/altis/services/command/internal/adapters/payment"
	redisstore "github.com/altisair/altis/services/command/internal/adapters/redis"
	"github.com/altisair/altis/services/command/internal/app"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

type committed struct {
	BookingID        string `json:"booking_id"`
	Status           string `json:"status"`
	BookingReference string `json:"booking_reference"`
	Charged          []struct {
		Currency string `json:"currency"`
		Amount   int64  `json:"amount"`
	} `json:"charged"`
}

type bookingBody struct {
	BookingID        string `json:"booking_id"`
	BookingReference string `json:"booking_reference"`
	Status           string `json:"status"`
	UserEmail        string `json:"user_email"`
	Passengers       []struct {
		PassengerID   string `json:"passenger_id"`
		FirstName     string `json:"first_name"`
		PassengerType string `json:"passenger_type"`
		Seats         []struct {
			FlightID   string `json:"flight_id"`
			SeatNumber string `json:"seat_number"`
		} `json:"seats"`
	} `json:"passengers"`
	Payments []struct {
		Amount int64  `json:"amount"`
		Status string `json:"status"`
	} `json:"payments"`
}

// heldTrip is a guest's trip on one flight with one adult (John) holding
// one seat, as the seed's README flow builds it.
type heldTrip struct {
	authz, tripID, flight, seat, passengerID string
}

func (h *harness) heldTrip(seatIndex int) heldTrip {
	h.t.Helper()
	f, aircraft := h.flight(0)
	seat := h.seats(aircraft, seatIndex+1)[seatIndex]
	g := h.guest()
	tr := heldTrip{authz: g, tripID: h.trip(g, f), flight: f, seat: seat}
	p := decode[struct {
		PassengerID string `json:"passenger_id"`
	}](h.t, h.do(http.MethodPost, "/v1/holds/trip/"+tr.tripID+"/passengers", g,
		map[string]string{"first_name": "John", "last_name": "Doe", "passenger_type": "ADULT"}), http.StatusCreated)
	tr.passengerID = p.PassengerID
	decode[seatAnswer](h.t, h.do(http.MethodPost, "/v1/holds/seat", g, seatBody(tr.tripID, f, seat)), http.StatusCreated)
	return tr
}

func commitBody(tr heldTrip, token string) map[string]any {
	return map[string]any{"trip_id": tr.tripID, "user_email": "jane@example.com", "payment_token": token,
		"passengers": []map[string]any{{"first_name": "Jane", "last_name": "Doe",
			"seats": []map[string]string{{"flight_id": tr.flight, "seat_number": tr.seat}}}}}
}

func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	must(h.t, h.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// The seed's flow: a trip adds John, commits Jane; the booking carries
// the trip's passenger id and type with the body's names, the seat is sold
// in PostgreSQL and shown sold through Redis at once; it can be read and
// cancelled (twice, harmlessly) by its owner only.
func TestCommitRetrieveCancel(t *testing.T) {
	h := newHarness(t, options{})
	tr := h.heldTrip(0)
	c := decode[committed](t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_visa")), http.StatusCreated)
	if c.Status != "CONFIRMED" || len(c.BookingReference) != 6 || len(c.Charged) != 1 || c.Charged[0].Amount <= 0 {
		t.Fatalf("commit %+v", c)
	}
	b := decode[bookingBody](t, h.do(http.MethodGet, "/v1/bookings/"+c.BookingID, tr.authz, nil), http.StatusOK)
	if b.BookingReference != c.BookingReference || len(b.Passengers) != 1 || b.Passengers[0].FirstName != "Jane" ||
		b.Passengers[0].PassengerID != tr.passengerID || b.Passengers[0].PassengerType != "ADULT" ||
		len(b.Passengers[0].Seats) != 1 || b.Passengers[0].Seats[0].SeatNumber != tr.seat || b.UserEmail != "jane@example.com" {
		t.Fatalf("booking %+v", b)
	}
	if n := h.count(`SELECT count(*) FROM booked_seats WHERE flight_id = $1 AND seat_number = $2 AND released_at IS NULL`, tr.flight, tr.seat); n != 1 {
		t.Fatalf("%d sales of the seat", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE event_type = 'seats.sold.v1' AND event_key = $1`, tr.flight); n != 1 {
		t.Fatalf("%d seats.sold events", n)
	}
	// Read your own commit: the seat is in the recent sales, not held.
	ctx := context.Background()
	if _, err := h.redis.Do(ctx, h.redis.B().Zscore().Key(h.keys.RecentSold(tr.flight)).Member(tr.seat).Build()).AsFloat64(); err != nil {
		t.Fatalf("the sale is not shown before the projector: %v", err)
	}
	if held, _ := h.redis.Do(ctx, h.redis.B().Hexists().Key(h.keys.Holders(tr.flight)).Field(tr.seat).Build()).AsBool(); held {
		t.Fatal("the sold seat is still held")
	}
	fails(t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_visa")), http.StatusConflict, "trip_closed")
	other := h.guest()
	fails(t, h.do(http.MethodGet, "/v1/bookings/"+c.BookingID, other, nil), http.StatusNotFound, "booking_not_found")
	fails(t, h.do(http.MethodPost, "/v1/bookings/"+c.BookingID+"/cancel", other, nil), http.StatusNotFound, "booking_not_found")

	for range 2 {
		b = decode[bookingBody](t, h.do(http.MethodPost, "/v1/bookings/"+c.BookingID+"/cancel", tr.authz, nil), http.StatusOK)
		if b.Status != "CANCELLED" || b.Payments[0].Status != "REFUNDED" {
			t.Fatalf("cancelled %+v", b)
		}
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE event_type = 'seats.released.v1' AND event_key = $1`, tr.flight); n != 1 {
		t.Fatalf("%d seats.released events after two cancels", n)
	}
	if n := h.count(`SELECT sold FROM flight_inventory WHERE flight_id = $1`, tr.flight); n != 0 {
		t.Fatalf("%d sold after the cancel", n)
	}
	if st := h.payments.Charges(); len(st) != 1 || st[0].State != payment.Refunded {
		t.Fatalf("provider charges %+v", st)
	}
}

// A declined payment writes nothing and keeps the holds: the guest pays
// again with another card.
func TestDeclinedPaymentLeavesNothingBehind(t *testing.T) {
	h := newHarness(t, options{})
	tr := h.heldTrip(0)
	outbox := h.count(`SELECT count(*) FROM outbox`)
	fails(t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_chargeDeclined")), http.StatusPaymentRequired, "payment_declined")
	if n := h.count(`SELECT count(*) FROM bookings`) + h.count(`SELECT count(*) FROM payments`); n != 0 {
		t.Fatalf("%d rows written", n)
	}
	if h.count(`SELECT count(*) FROM outbox`) != outbox {
		t.Fatal("events written")
	}
	trip := decode[tripBody](t, h.do(http.MethodGet, "/v1/holds/trip/"+tr.tripID, tr.authz, nil), http.StatusOK)
	if len(trip.Seats) != 1 || trip.Seats[0].SeatNumber != tr.seat {
		t.Fatalf("the seat is not held any more: %+v", trip.Seats)
	}
	decode[committed](t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_mastercard")), http.StatusCreated)
}

func TestCommitRefusesBadInput(t *testing.T) {
	h := newHarness(t, options{})
	tr := h.heldTrip(0)
	body := func(change func(map[string]any)) map[string]any {
		b := commitBody(tr, "tok_visa")
		change(b)
		return b
	}
	seat := func(flight, seat string) []map[string]string {
		return []map[string]string{{"flight_id": flight, "seat_number": seat}}
	}
	other, _ := h.flight(3)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		fields []string
	}{
		{"bad email", body(func(b map[string]any) { b["user_email"] = "jane@" }), 400, "invalid_request", []string{"user_email"}},
		{"no token", body(func(b map[string]any) { b["payment_token"] = "" }), 400, "invalid_request", []string{"payment_token"}},
		{"two passengers for one", body(func(b map[string]any) {
			b["passengers"] = []map[string]any{{"first_name": "A", "last_name": "B", "seats": seat(tr.flight, tr.seat)},
				{"first_name": "C", "last_name": "D", "seats": seat(tr.flight, tr.seat)}}
		}), 400, "invalid_request", []string{"passengers"}},
		{"no seat", body(func(b map[string]any) {
			b["passengers"] = []map[string]any{{"first_name": "Jane", "last_name": "Doe", "seats": []any{}}}
		}), 400, "invalid_request", []string{"passengers[0].seats"}},
		{"flight not on the trip", body(func(b map[string]any) {
			b["passengers"] = []map[string]any{{"first_name": "Jane", "last_name": "Doe", "seats": seat(other, tr.seat)}}
		}), 400, "invalid_request", []string{"passengers[0].seats[0].flight_id", "passengers[0].seats"}},
		{"seat not held", body(func(b map[string]any) {
			b["passengers"] = []map[string]any{{"first_name": "Jane", "last_name": "Doe", "seats": seat(tr.flight, "99Z")}}
		}), 409, "seat_not_held", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fails(t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, c.body), c.status, c.code, c.fields...)
		})
	}
	fails(t, h.do(http.MethodPost, "/v1/bookings/commit", h.guest(), commitBody(tr, "tok_visa")), http.StatusNotFound, "trip_not_found")
	if n := h.count(`SELECT count(*) FROM bookings`); n != 0 {
		t.Fatalf("%d bookings", n)
	}
	// The trip was reopened after each refusal: it still commits.
	decode[committed](t, h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_visa")), http.StatusCreated)
}

// trustingSeats believes every seat is held: Redis lost the holds.
type trustingSeats struct{ *redisstore.Holds }

func (trustingSeats) CheckHeld(context.Context, string, trip.Trip, map[string][]trip.SeatNumber) error {
	return nil
}

// PostgreSQL is the final guard: with Redis unable to tell (every hold
// "held"), two trips committing the same seat make exactly one booking;
// the loser gets 409 and its charge is voided.
func TestPostgresDecidesWhenRedisLostTheHolds(t *testing.T) {
	h := newHarness(t, options{seats: func(hs *redisstore.Holds) app.SeatSales { return trustingSeats{hs} }})
	a := h.heldTrip(0)
	g := h.guest()
	b := heldTrip{authz: g, tripID: h.trip(g, a.flight), flight: a.flight, seat: a.seat}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, tr := range []heldTrip{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.do(http.MethodPost, "/v1/bookings/commit", tr.authz, commitBody(tr, "tok_visa")).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == 201 && codes[1] == 409 || codes[0] == 409 && codes[1] == 201) {
		t.Fatalf("answers %v, want one 201 and one 409", codes)
	}
	if n := h.count(`SELECT count(*) FROM bookings`); n != 1 {
		t.Fatalf("%d bookings", n)
	}
	states := map[payment.State]int{}
	for _, c := range h.payments.Charges() {
		states[c.State]++
	}
	if states[payment.Captured] != 1 || states[payment.Voided] != 1 {
		t.Fatalf("charges %v, want one captured and one voided", states)
	}
}

// 100 commits with one idempotency key: one booking; every other answer
// is the first one replayed or "still running".
func TestOneKeyManyCommits(t *testing.T) {
	h := newHarness(t, options{})
	tr := h.heldTrip(0)
	key := map[string]string{"Idempotency-Key": "commit-" + tr.tripID}
	var created, replayed, running atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := h.doWith(http.MethodPost, "/v1/bookings/commit", tr.authz, key, commitBody(tr, "tok_visa"))
			switch {
			case rec.Code == 201 && rec.Header().Get("Idempotent-Replayed") == "true":
				replayed.Add(1)
			case rec.Code == 201:
				created.Add(1)
			case rec.Code == 409:
				running.Add(1)
			default:
				t.Errorf("answer %d %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 1 || h.count(`SELECT count(*) FROM bookings`) != 1 {
		t.Fatalf("%d created, %d replayed, %d running; %d bookings", created.Load(), replayed.Load(), running.Load(),
			h.count(`SELECT count(*) FROM bookings`))
	}
	// Once done, the same key replays the first answer.
	rec := h.doWith(http.MethodPost, "/v1/bookings/commit", tr.authz, key, commitBody(tr, "tok_visa"))
	if rec.Code != 201 || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", rec.Code, rec.Header())
	}
	fails(t, h.doWith(http.MethodPost, "/v1/bookings/commit", tr.authz, key, commitBody(tr, "tok_amex")), http.StatusUnprocessableEntity, "idempotency_mismatch")
}
