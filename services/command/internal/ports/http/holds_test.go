package http_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type tripBody struct {
	TripID    string `json:"trip_id"`
	ExpiresAt int64  `json:"expires_at"`
	Flights   []struct {
		FlightID string `json:"flight_id"`
		Aircraft string `json:"aircraft"`
	} `json:"flights"`
	Passengers []struct {
		PassengerID   string `json:"passenger_id"`
		FirstName     string `json:"first_name"`
		PassengerType string `json:"passenger_type"`
	} `json:"passengers"`
	Seats []struct {
		FlightID   string `json:"flight_id"`
		SeatNumber string `json:"seat_number"`
	} `json:"seats"`
	Quote struct {
		Items []struct {
			PassengerType string `json:"passenger_type"`
			FlightID      string `json:"flight_id"`
			Price         struct {
				Total int64 `json:"total"`
			} `json:"price"`
		} `json:"items"`
		Totals []struct {
			Currency string `json:"currency"`
			Amount   int64  `json:"amount"`
		} `json:"totals"`
	} `json:"quote"`
}

type seatAnswer struct {
	TripID     string `json:"trip_id"`
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
	Status     string `json:"status"`
	ExpiresAt  int64  `json:"expires_at"`
}

// The old identity header is no longer trusted: without a valid token
// every route answers 401, whatever the header says.
func TestForgedIdentityHeaderIsRefused(t *testing.T) {
	h := newHarness(t, options{})
	flight, _ := h.flight(0)
	routes := []struct{ method, path string }{
		{http.MethodPost, "/v1/holds/trip"},
		{http.MethodGet, "/v1/holds/trip/3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
		{http.MethodPost, "/v1/holds/trip/3f2504e0-4f89-41d3-9a0c-0305e82c3301/passengers"},
		{http.MethodPost, "/v1/holds/seat"},
		{http.MethodDelete, "/v1/holds/seat"},
	}
	for _, r := range routes {
		for _, authz := range []string{"", "Bearer not.a.token", "Basic Z3Vlc3Q6"} {
			req := h.do(r.method, r.path, authz, map[string]any{"flight_ids": []string{flight}})
			if req.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with %q: %d", r.method, r.path, authz, req.Code)
			}
		}
	}
	// The old identity header, set by anyone who can reach the port.
	req := httptest.NewRequest(http.MethodPost, "/v1/holds/trip", strings.NewReader(`{"flight_ids":["`+flight+`"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Altis-Guest-Id", "g_3f2504e0-4f89-41d3-9a0c-0305e82c3301")
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	fails(t, rec, http.StatusUnauthorized, "unauthorized")
}

func TestCreateTripRefusesBadInput(t *testing.T) {
	h := newHarness(t, options{})
	g := h.guest()
	f1, _ := h.flight(0)
	f2, _ := h.flight(1)
	const unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	cases := []struct {
		name   string
		body   any
		fields []string
	}{
		{"empty list", map[string]any{"flight_ids": []string{}}, []string{"flight_ids"}},
		{"no list", map[string]any{}, []string{"flight_ids"}},
		{"malformed id", map[string]any{"flight_ids": []string{f1, "JFK-LHR"}}, []string{"flight_ids[1]"}},
		{"duplicate", map[string]any{"flight_ids": []string{f1, f2, f1}}, []string{"flight_ids[2]"}},
		{"unknown", map[string]any{"flight_ids": []string{unknown, f1}}, []string{"flight_ids[0]"}},
		{"departed", map[string]any{"flight_ids": []string{f1, h.departed()}}, []string{"flight_ids[1]"}},
		{"seven flights", map[string]any{"flight_ids": []string{f1, f2, unknown, unknown, unknown, unknown, unknown}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fails(t, h.do(http.MethodPost, "/v1/holds/trip", g, c.body), http.StatusBadRequest, "invalid_request", c.fields...)
		})
	}
	for _, body := range []string{`{"flight_ids":["` + f1 + `"],"cabin":"F"}`, `{"flight_ids":`, `[]`, `{"flight_ids":"` + f1 + `"}`} {
		fails(t, h.do(http.MethodPost, "/v1/holds/trip", g, body), http.StatusBadRequest, "invalid_request")
	}
}

func TestTripLifecycle(t *testing.T) {
	h := newHarness(t, options{})
	a, b := h.guest(), h.guest()
	f1, aircraft := h.flight(0)
	f2, _ := h.flight(1)
	seats := h.seats(aircraft, 2)
	s1, s2 := seats[0], seats[1]
	rec := h.do(http.MethodPost, "/v1/holds/trip", a, map[string]any{"flight_ids": []string{f1, f2}})
	created := decode[tripCreated](t, rec, http.StatusCreated)
	if d := time.Until(time.Unix(created.ExpiresAt, 0)); d < 14*time.Minute || d > 16*time.Minute {
		t.Fatalf("expires in %v, want 15m", d)
	}
	path := "/v1/holds/trip/" + created.TripID
	trip := decode[tripBody](t, h.do(http.MethodGet, path, a, nil), http.StatusOK)
	if trip.TripID != created.TripID || len(trip.Flights) != 2 || trip.Flights[0].FlightID != f1 ||
		len(trip.Passengers) != 0 || len(trip.Seats) != 0 || len(trip.Quote.Items) != 2 || trip.Quote.Items[0].PassengerType != "ADULT" {
		t.Fatalf("trip %+v", trip)
	}
	oneAdult := trip.Quote.Totals[0].Amount

	// Someone else's trip does not exist for them.
	for _, rec := range []interface{ Result() *http.Response }{
		h.do(http.MethodGet, path, b, nil),
		h.do(http.MethodPost, path+"/passengers", b, map[string]string{"first_name": "Eve", "last_name": "Spy", "passenger_type": "ADULT"}),
		h.do(http.MethodPost, "/v1/holds/seat", b, seatBody(created.TripID, f1, s1)),
		h.do(http.MethodDelete, "/v1/holds/seat", b, seatBody(created.TripID, f1, s1)),
	} {
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), f1) {
			t.Errorf("another guest: %d %s", res.StatusCode, body)
		}
	}

	// Passengers: bad names, an infant first, then adults and a child.
	fails(t, h.do(http.MethodPost, path+"/passengers", a, map[string]string{"first_name": "J4ne", "last_name": "", "passenger_type": "PILOT"}),
		http.StatusBadRequest, "invalid_request", "first_name", "last_name", "passenger_type")
	fails(t, h.do(http.MethodPost, path+"/passengers", a, map[string]string{"first_name": "Baby", "last_name": "Doe", "passenger_type": "INFANT"}),
		http.StatusConflict, "passenger_limit")
	for _, p := range []map[string]string{
		{"first_name": "Zoë", "last_name": "O'Brien-Núñez", "passenger_type": "ADULT"},
		{"first_name": "Baby", "last_name": "Doe", "passenger_type": "INFANT"},
	} {
		added := decode[struct {
			PassengerID string `json:"passenger_id"`
		}](t, h.do(http.MethodPost, path+"/passengers", a, p), http.StatusCreated)
		if len(added.PassengerID) != 36 {
			t.Fatalf("passenger id %q", added.PassengerID)
		}
	}
	trip = decode[tripBody](t, h.do(http.MethodGet, path, a, nil), http.StatusOK)
	if len(trip.Passengers) != 2 || trip.Passengers[0].FirstName != "Zoë" || len(trip.Quote.Items) != 4 ||
		trip.Quote.Totals[0].Amount <= oneAdult {
		t.Fatalf("after passengers: %+v", trip)
	}

	// Seats: one per seated passenger (one adult: one seat per flight).
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, "99Z")), http.StatusBadRequest, "invalid_request", "seat_number")
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, "1")), http.StatusBadRequest, "invalid_request", "seat_number")
	other, _ := h.flight(5)
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, other, s1)), http.StatusBadRequest, "invalid_request", "flight_id")
	if blocked := h.blockedSeat(aircraft); blocked != "" {
		fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, blocked)), http.StatusConflict, "seat_unavailable")
	}
	held := decode[seatAnswer](t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, s1)), http.StatusCreated)
	if held.Status != "held" || held.ExpiresAt != created.ExpiresAt || held.SeatNumber != s1 {
		t.Fatalf("held %+v", held)
	}
	decode[seatAnswer](t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, s1)), http.StatusOK)
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(created.TripID, f1, s2)), http.StatusConflict, "seat_limit_reached")

	// Guest b's own trip cannot take 20A; after a releases it, it can.
	bTrip := h.trip(b, f1)
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", b, seatBody(bTrip, f1, s1)), http.StatusConflict, "seat_unavailable")
	trip = decode[tripBody](t, h.do(http.MethodGet, path, a, nil), http.StatusOK)
	if len(trip.Seats) != 1 || trip.Seats[0].SeatNumber != s1 || trip.Seats[0].FlightID != f1 {
		t.Fatalf("seats %+v", trip.Seats)
	}
	released := decode[seatAnswer](t, h.do(http.MethodDelete, "/v1/holds/seat", a, seatBody(created.TripID, f1, s1)), http.StatusOK)
	if released.Status != "available" {
		t.Fatalf("released %+v", released)
	}
	fails(t, h.do(http.MethodDelete, "/v1/holds/seat", a, seatBody(created.TripID, f1, s1)), http.StatusConflict, "seat_not_held")
	decode[seatAnswer](t, h.do(http.MethodPost, "/v1/holds/seat", b, seatBody(bTrip, f1, s1)), http.StatusCreated)
}

func TestExpiredTripAnswers410(t *testing.T) {
	h := newHarness(t, options{ttl: time.Second})
	a := h.guest()
	f1, aircraft := h.flight(0)
	seats := h.seats(aircraft, 2)
	tripID := h.trip(a, f1)
	decode[seatAnswer](t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(tripID, f1, seats[0])), http.StatusCreated)
	deadline := time.Now().Add(3 * time.Second)
	for h.do(http.MethodGet, "/v1/holds/trip/"+tripID, a, nil).Code != http.StatusGone {
		if time.Now().After(deadline) {
			t.Fatal("the trip did not expire")
		}
		time.Sleep(20 * time.Millisecond)
	}
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody(tripID, f1, seats[1])), http.StatusGone, "trip_expired")
	fails(t, h.do(http.MethodPost, "/v1/holds/trip/"+tripID+"/passengers", a,
		map[string]string{"first_name": "Late", "last_name": "Doe", "passenger_type": "ADULT"}), http.StatusGone, "trip_expired")
	// Its seat went back to sale the moment the trip expired.
	b := h.guest()
	decode[seatAnswer](t, h.do(http.MethodPost, "/v1/holds/seat", b, seatBody(h.trip(b, f1), f1, seats[0])), http.StatusCreated)
}

func TestGuestTripCap(t *testing.T) {
	h := newHarness(t, options{limits: limits(2, 100)})
	a := h.guest()
	f1, _ := h.flight(0)
	h.trip(a, f1)
	h.trip(a, f1)
	fails(t, h.do(http.MethodPost, "/v1/holds/trip", a, map[string]any{"flight_ids": []string{f1}}), http.StatusTooManyRequests, "too_many_trips")
	h.trip(h.guest(), f1)
}

func TestMalformedTripIDs(t *testing.T) {
	h := newHarness(t, options{})
	a := h.guest()
	fails(t, h.do(http.MethodGet, "/v1/holds/trip/not-a-uuid", a, nil), http.StatusBadRequest, "invalid_request", "trip_id")
	fails(t, h.do(http.MethodGet, "/v1/holds/trip/3f2504e0-4f89-41d3-9a0c-0305e82c3301", a, nil), http.StatusNotFound, "trip_not_found")
	fails(t, h.do(http.MethodPost, "/v1/holds/seat", a, seatBody("x", "y", "zz")), http.StatusBadRequest, "invalid_request", "trip_id", "flight_id", "seat_number")
}
