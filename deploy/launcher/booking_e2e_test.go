package launcher_test

import (
	"net/http"
	"testing"
	"time"
)

// checkBooking runs the seed's README flow verbatim through the gateway —
// token, search, trip, passenger (John), seat, commit (Jane) — then reads
// the booking and cancels it. The seat shows sold the moment the commit
// returns, and returns to sale after the cancel.
func checkBooking(t *testing.T, gateway int) {
	t.Helper()
	checkBookingWithin(t, gateway, 10*time.Second)
}

// checkBookingWithin is checkBooking, waiting up to projected for the
// cancel to reach the index.
func checkBookingWithin(t *testing.T, gateway int, projected time.Duration) {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	flights := search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights
	flight := flights[len(flights)/2].FlightID
	g := newClient(t, gateway)
	var trip struct {
		TripID    string `json:"trip_id"`
		ExpiresAt int64  `json:"expires_at"`
	}
	g.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight}}, http.StatusCreated, &trip)
	var p struct {
		PassengerID string `json:"passenger_id"`
	}
	g.call(http.MethodPost, "/v1/holds/trip/"+trip.TripID+"/passengers",
		map[string]string{"first_name": "John", "last_name": "Doe", "passenger_type": "ADULT"}, http.StatusCreated, &p)
	g.call(http.MethodPost, "/v1/holds/seat",
		map[string]string{"trip_id": trip.TripID, "flight_id": flight, "seat_number": "1A"}, http.StatusCreated, nil)
	_, before := g.seatStatus(flight, "1A")
	var c struct {
		BookingID        string `json:"booking_id"`
		Status           string `json:"status"`
		BookingReference string `json:"booking_reference"`
	}
	g.call(http.MethodPost, "/v1/bookings/commit", map[string]any{
		"trip_id": trip.TripID, "user_email": "jane@example.com", "payment_token": "tok_visa",
		"passengers": []map[string]any{{"first_name": "Jane", "last_name": "Doe",
			"seats": []map[string]string{{"flight_id": flight, "seat_number": "1A"}}}},
	}, http.StatusCreated, &c)
	if c.Status != "CONFIRMED" || len(c.BookingReference) != 6 {
		t.Fatalf("commit %+v", c)
	}
	// Read your own commit: sold at once, whatever the projector's pace.
	if status, after := g.seatStatus(flight, "1A"); status != "sold" || after != before {
		t.Fatalf("right after the commit 1A is %s with %d available (was %d, held)", status, after, before)
	}
	var b struct {
		Status     string `json:"status"`
		Passengers []struct {
			PassengerID string `json:"passenger_id"`
			FirstName   string `json:"first_name"`
		} `json:"passengers"`
	}
	g.call(http.MethodGet, "/v1/bookings/"+c.BookingID, nil, http.StatusOK, &b)
	if b.Status != "CONFIRMED" || len(b.Passengers) != 1 || b.Passengers[0].FirstName != "Jane" || b.Passengers[0].PassengerID != p.PassengerID {
		t.Fatalf("booking %+v", b)
	}
	g.call(http.MethodPost, "/v1/bookings/"+c.BookingID+"/cancel", nil, http.StatusOK, &b)
	if b.Status != "CANCELLED" {
		t.Fatalf("cancel %+v", b)
	}
	// The release travels outbox → Kafka → projector → index.
	deadline := time.Now().Add(projected)
	for status, _ := g.seatStatus(flight, "1A"); status != "available"; status, _ = g.seatStatus(flight, "1A") {
		if time.Now().After(deadline) {
			t.Fatalf("1A is still %s %s after the cancel", status, projected)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
