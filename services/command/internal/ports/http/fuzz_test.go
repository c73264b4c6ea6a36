package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/command/internal/domain/booking"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// bodyRoutes decode a request body as a route does and apply the parser
// its use case runs first (hold seat's is fuzzed in package app).
var bodyRoutes = []func(body []byte) error{
	func(body []byte) error { // POST /v1/holds/trip
		var req createTripRequest
		if err := web.Unmarshal(body, &req); err != nil {
			return err
		}
		_, err := trip.ParseFlightIDs(req.FlightIDs)
		return err
	},
	func(body []byte) error { // POST /v1/holds/trip/:trip_id/passengers
		var req passengerRequest
		if err := web.Unmarshal(body, &req); err != nil {
			return err
		}
		_, err := trip.ParsePassenger("p1", req.FirstName, req.LastName, req.PassengerType)
		return err
	},
	func(body []byte) error { // POST and DELETE /v1/holds/seat
		var req seatRequest
		return web.Unmarshal(body, &req)
	},
	func(body []byte) error { // POST /v1/bookings/commit
		var req commitRequest
		if err := web.Unmarshal(body, &req); err != nil {
			return err
		}
		_, err := booking.ParseRequest(req.toDomain())
		return err
	},
}

// FuzzRequestBodies sends any body to every route's decoder and parser:
// no panic, and a refusal is a 400 with fields in the one error shape,
// never a 5xx.
func FuzzRequestBodies(f *testing.F) {
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	for _, body := range []string{
		`{"flight_ids":["` + id + `"]}`, `{"flight_ids":[]}`, `{"flight_ids":"x"}`, `{"FLIGHT_IDS":["` + id + `"]}`,
		`{"first_name":"Jane","last_name":"Doe","passenger_type":"ADULT"}`, `{"first_name":1}`,
		`{"trip_id":"` + id + `","flight_id":"` + id + `","seat_number":"12A"}`,
		`{"trip_id":"` + id + `","user_email":"jane@example.com","payment_token":"tok_visa","passengers":[{"first_name":"Jane","last_name":"Doe","seats":[{"flight_id":"` + id + `","seat_number":"1A"}]}]}`,
		``, `null`, `[]`, `{}`, `{} {}`, `{"a":`, `{"trip_id":"\u0000"}`, strings.Repeat(`[`, 100),
	} {
		for route := range bodyRoutes {
			f.Add(uint8(route), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		err := bodyRoutes[int(route)%len(bodyRoutes)](body)
		if err == nil {
			return
		}
		if e := Errors.Resolve(err); e.Status != http.StatusBadRequest || e.Code != "invalid_request" || len(e.Fields) == 0 {
			t.Fatalf("route %d, body %q: %v answers %d %s %v, want a 400 naming fields", route, body, err, e.Status, e.Code, e.Fields)
		}
	})
}

// FuzzIdempotencyKey: an accepted key is 1 to 255 printable ASCII
// characters, trimmed; a refused one is a 400 naming the header.
func FuzzIdempotencyKey(f *testing.F) {
	for _, k := range []string{"my-first-commit", " padded ", "", "   ", strings.Repeat("k", 256), "tab\there", "é"} {
		f.Add(k, false)
	}
	f.Add("two", true)
	f.Fuzz(func(t *testing.T, key string, twice bool) {
		values := []string{key}
		if twice {
			values = append(values, key)
		}
		got, err := parseIdempotencyKey(values)
		if err != nil {
			if e := Errors.Resolve(err); e.Status != http.StatusBadRequest || e.Fields[HeaderIdempotencyKey] == "" {
				t.Fatalf("%q: %v answers %d %v", values, err, e.Status, e.Fields)
			}
			return
		}
		if twice || got != strings.TrimSpace(key) || got == "" || len(got) > maxIdempotencyKey {
			t.Fatalf("%q accepted as %q", values, got)
		}
		for i := range len(got) {
			if got[i] < ' ' || got[i] > '~' {
				t.Fatalf("%q accepted with byte %#x", got, got[i])
			}
		}
	})
}
