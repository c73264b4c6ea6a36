package launcher_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/altisair/altis/deploy/apicheck"
)

// Personal data the fleet must never write to a log (checkNoCanary); the
// owner of the ownership probes books under these names.
const (
	canaryFirst = "Zqxcanary"
	canaryLast  = "Wylvanish"
	canaryEmail = "zqxcanary.wylvanish@example.com"
)

// owner is guest A: everything it made, which guest B must not reach.
type owner struct {
	c          *client
	flight     string
	tripBooked string // committed
	tripOpen   string // a passenger and seats[1] held
	passenger  string
	booking    string
	reference  string
	ticket     string
	seats      [3]string // booked, held by the open trip, free
	// Idempotency keys A used, with A's bodies.
	tripKey, passengerKey, commitKey    string
	tripBody, passengerBody, commitBody []byte
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeAs checks the answer's status and decodes its body.
func decodeAs(t *testing.T, what string, e exchange, want int, out any) {
	t.Helper()
	if e.status != want {
		t.Fatalf("%s = %d, want %d: %s", what, e.status, want, e.body)
	}
	if out != nil {
		if err := json.Unmarshal(e.body, out); err != nil {
			t.Fatalf("%s: %v in %s", what, err, e.body)
		}
	}
}

// newOwner runs the whole flow as A — search, trip, passenger (the canary
// names), seat, commit (canary email), a second open trip, a stream
// ticket — with Idempotency-Keys, and checks A's own replay works.
func newOwner(t *testing.T, gateway int) *owner {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	a := &owner{c: newClient(t, gateway), flight: search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights[1].FlightID}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	a.tripKey, a.passengerKey, a.commitKey = "zqxcanary-trip-"+run, "zqxcanary-pax-"+run, "zqxcanary-commit-"+run
	a.tripBody = mustJSON(t, map[string]any{"flight_ids": []string{a.flight}})
	var trip struct {
		TripID string `json:"trip_id"`
	}
	decodeAs(t, "A's trip", a.c.send(apicheck.Strict, http.MethodPost, "/v1/holds/trip", a.tripBody, "Idempotency-Key", a.tripKey), http.StatusCreated, &trip)
	a.tripBooked = trip.TripID
	copy(a.seats[:], firstSeats(t, a.c, a.flight, 3))
	a.passengerBody = mustJSON(t, map[string]string{"first_name": canaryFirst, "last_name": canaryLast, "passenger_type": "ADULT"})
	var p struct {
		PassengerID string `json:"passenger_id"`
	}
	decodeAs(t, "A's passenger", a.c.send(apicheck.Strict, http.MethodPost, "/v1/holds/trip/"+a.tripBooked+"/passengers", a.passengerBody,
		"Idempotency-Key", a.passengerKey), http.StatusCreated, &p)
	a.passenger = p.PassengerID
	a.c.call(http.MethodPost, "/v1/holds/seat", map[string]string{"trip_id": a.tripBooked, "flight_id": a.flight, "seat_number": a.seats[0]}, http.StatusCreated, nil)
	a.commitBody = mustJSON(t, map[string]any{"trip_id": a.tripBooked, "user_email": canaryEmail, "payment_token": "tok_visa",
		"passengers": []map[string]any{{"first_name": canaryFirst, "last_name": canaryLast,
			"seats": []map[string]string{{"flight_id": a.flight, "seat_number": a.seats[0]}}}}})
	var b struct {
		BookingID        string `json:"booking_id"`
		BookingReference string `json:"booking_reference"`
	}
	decodeAs(t, "A's commit", a.c.send(apicheck.Strict, http.MethodPost, "/v1/bookings/commit", a.commitBody, "Idempotency-Key", a.commitKey), http.StatusCreated, &b)
	a.booking, a.reference = b.BookingID, b.BookingReference
	replay := a.c.send(apicheck.Strict, http.MethodPost, "/v1/bookings/commit", a.commitBody, "Idempotency-Key", a.commitKey)
	if replay.status != http.StatusCreated || replay.header.Get("Idempotent-Replayed") != "true" || !bytes.Contains(replay.body, []byte(a.booking)) {
		t.Fatalf("A's own replay of its commit = %d %q: %s", replay.status, replay.header.Get("Idempotent-Replayed"), replay.body)
	}

	a.c.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{a.flight}}, http.StatusCreated, &trip)
	a.tripOpen = trip.TripID
	a.c.call(http.MethodPost, "/v1/holds/trip/"+a.tripOpen+"/passengers",
		map[string]string{"first_name": canaryFirst, "last_name": canaryLast, "passenger_type": "CHILD"}, http.StatusCreated, nil)
	a.c.call(http.MethodPost, "/v1/holds/seat", map[string]string{"trip_id": a.tripOpen, "flight_id": a.flight, "seat_number": a.seats[1]}, http.StatusCreated, nil)
	var tk struct {
		Ticket string `json:"ticket"`
	}
	a.c.call(http.MethodPost, "/v1/flights/"+a.flight+"/stream-ticket", nil, http.StatusCreated, &tk)
	a.ticket = tk.Ticket
	return a
}

// secrets is what B must never see of A's: ids, reference, ticket and
// personal data.
func (a *owner) secrets() []string {
	return []string{a.tripBooked, a.tripOpen, a.passenger, a.booking, a.reference, a.ticket, a.c.token,
		canaryFirst, canaryLast, canaryEmail}
}

// probeID is an id guest B tries in place of its own.
type probeID struct {
	name      string
	id        string
	malformed bool // not a UUID: it may be refused as invalid (400) before any lookup
}

func (a *owner) probeIDs() []probeID {
	return []probeID{
		{"A's booked trip", a.tripBooked, false},
		{"A's open trip", a.tripOpen, false},
		{"A's open trip in upper case", strings.ToUpper(a.tripOpen), false},
		{"A's booking", a.booking, false},
		{"A's booking in upper case", strings.ToUpper(a.booking), false},
		{"A's passenger", a.passenger, false},
		{"A's booking reference", a.reference, true},
		{"A's stream ticket", a.ticket, true},
		{"a flight's id", a.flight, false},
		{"an unknown id", uuid.NewString(), false},
		{"not an id", "nope", true},
	}
}

// idRoute is a route with an id in its path, and the method it has.
type idRoute struct {
	path   string // %s is the id
	method string
}

var idRoutes = []idRoute{
	{"/v1/holds/trip/%s", http.MethodGet},
	{"/v1/holds/trip/%s/passengers", http.MethodPost},
	{"/v1/bookings/%s", http.MethodGet},
	{"/v1/bookings/%s/cancel", http.MethodPost},
	// A's ids where a flight's id goes.
	{"/v1/flights/%s/seats", http.MethodGet},
	{"/v1/flights/%s/stream", http.MethodGet},
}

var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// probe is one call of B's and the statuses it may get.
type probe struct {
	name   string
	method string
	path   string
	body   []byte
	header []string
	want   []int
}

// probes is the table: every id-taking route × every method × every id
// (the route's own method must be 404; another method 404 or 405, as the
// path exists), every route that takes a trip id in its body × every id,
// and B replaying A's Idempotency-Keys with A's bodies.
func (a *owner) probes(t *testing.T) []probe {
	t.Helper()
	var out []probe
	bPassenger := mustJSON(t, map[string]string{"first_name": "Bob", "last_name": "Probe", "passenger_type": "ADULT"})
	for _, id := range a.probeIDs() {
		for _, r := range idRoutes {
			if id.id == a.flight && strings.HasPrefix(r.path, "/v1/flights/") {
				continue // the flight's own public routes
			}
			path := fmt.Sprintf(r.path, id.id)
			for _, m := range probeMethods {
				p := probe{name: fmt.Sprintf("%s %s with %s", m, r.path, id.name), method: m, path: path, want: []int{404}}
				if id.malformed {
					p.want = []int{400, 404} // not an id at all: the same 400 for every guest
				}
				if m == http.MethodPost {
					p.body = bPassenger
				}
				if m != r.method {
					p.want = []int{404, 405}
				}
				out = append(out, p)
			}
		}
		seat := mustJSON(t, map[string]string{"trip_id": id.id, "flight_id": a.flight, "seat_number": a.seats[2]})
		commit := mustJSON(t, map[string]any{"trip_id": id.id, "user_email": "bob@example.com", "payment_token": "tok_visa",
			"passengers": []map[string]any{{"first_name": "Bob", "last_name": "Probe",
				"seats": []map[string]string{{"flight_id": a.flight, "seat_number": a.seats[0]}}}}})
		want := []int{404}
		if id.malformed {
			want = []int{400, 404}
		}
		out = append(out,
			probe{name: "POST /v1/holds/seat with " + id.name, method: http.MethodPost, path: "/v1/holds/seat", body: seat, want: want},
			probe{name: "DELETE /v1/holds/seat with " + id.name, method: http.MethodDelete, path: "/v1/holds/seat",
				body: mustJSON(t, map[string]string{"trip_id": id.id, "flight_id": a.flight, "seat_number": a.seats[1]}), want: want},
			probe{name: "POST /v1/bookings/commit with " + id.name, method: http.MethodPost, path: "/v1/bookings/commit", body: commit, want: want},
		)
	}
	return append(out,
		probe{name: "A's passenger Idempotency-Key and body", method: http.MethodPost, path: "/v1/holds/trip/" + a.tripBooked + "/passengers",
			body: a.passengerBody, header: []string{"Idempotency-Key", a.passengerKey}, want: []int{404}},
		probe{name: "A's commit Idempotency-Key and body", method: http.MethodPost, path: "/v1/bookings/commit",
			body: a.commitBody, header: []string{"Idempotency-Key", a.commitKey}, want: []int{404}},
	)
}

// checkOwnership: guest B tries every way at A's trips, holds, booking
// and idempotent answers; each is 404 (405 for a method the path lacks)
// in the one error shape with nothing of A's in it, and A's data is as A
// left it. Then A tidies up so the next start finds the seats free.
func checkOwnership(t *testing.T, gateway int) {
	t.Helper()
	a := newOwner(t, gateway)
	b := newClient(t, gateway)
	probes := a.probes(t)
	for _, p := range probes {
		e := b.send(apicheck.Probe, p.method, p.path, p.body, p.header...)
		checkRefused(t, p.name, e, p.want, a.secrets())
	}
	checkReplayNotShared(t, a, b)
	t.Logf("%d ownership probes sent", len(probes)+1)
	canaryMistakes(t, a)
	checkOwnerUntouched(t, a)
}

// checkRefused: the status is one of want, the body the one error shape,
// and none of A's secrets appear in it.
func checkRefused(t *testing.T, name string, e exchange, want []int, secrets []string) {
	t.Helper()
	if !slices.Contains(want, e.status) {
		t.Errorf("%s = %d, want one of %v: %s", name, e.status, want, e.body)
		return
	}
	var env struct {
		Error struct {
			Code      string            `json:"code"`
			Message   string            `json:"message"`
			RequestID string            `json:"request_id"`
			Fields    map[string]string `json:"fields"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(e.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || env.Error.Code == "" || env.Error.Message == "" || env.Error.RequestID == "" {
		t.Errorf("%s: not the one error shape (%v): %s", name, err, e.body)
	}
	for _, s := range secrets {
		if bytes.Contains(e.body, []byte(s)) || bytes.Contains(e.body, []byte(strings.ToUpper(s))) {
			t.Errorf("%s: the answer carries A's %q: %s", name, s, e.body)
		}
	}
}

// checkReplayNotShared: B sending A's Idempotency-Key with A's body for a
// new trip gets a trip of its own, not A's stored answer.
func checkReplayNotShared(t *testing.T, a *owner, b *client) {
	t.Helper()
	e := b.send(apicheck.Strict, http.MethodPost, "/v1/holds/trip", a.tripBody, "Idempotency-Key", a.tripKey)
	var trip struct {
		TripID string `json:"trip_id"`
	}
	decodeAs(t, "B replaying A's trip key", e, http.StatusCreated, &trip)
	if e.header.Get("Idempotent-Replayed") != "" || trip.TripID == a.tripBooked || trip.TripID == a.tripOpen {
		t.Fatalf("B replaying A's Idempotency-Key got A's answer: %q %s", e.header.Get("Idempotent-Replayed"), e.body)
	}
	for _, s := range a.secrets() {
		if bytes.Contains(e.body, []byte(s)) {
			t.Fatalf("B's own trip answer carries A's %q: %s", s, e.body)
		}
	}
}

// checkOwnerUntouched: A's booking is still confirmed and A's open trip
// still has one passenger and its seat; then A cancels and releases.
func checkOwnerUntouched(t *testing.T, a *owner) {
	t.Helper()
	var bk struct {
		Status     string `json:"status"`
		Passengers []struct {
			FirstName string `json:"first_name"`
		} `json:"passengers"`
	}
	a.c.call(http.MethodGet, "/v1/bookings/"+a.booking, nil, http.StatusOK, &bk)
	if bk.Status != "CONFIRMED" || len(bk.Passengers) != 1 || bk.Passengers[0].FirstName != canaryFirst {
		t.Fatalf("A's booking after B's probes: %+v", bk)
	}
	var tr struct {
		Passengers []json.RawMessage `json:"passengers"`
		Seats      []struct {
			SeatNumber string `json:"seat_number"`
		} `json:"seats"`
	}
	a.c.call(http.MethodGet, "/v1/holds/trip/"+a.tripOpen, nil, http.StatusOK, &tr)
	if len(tr.Passengers) != 1 || len(tr.Seats) != 1 || tr.Seats[0].SeatNumber != a.seats[1] {
		t.Fatalf("A's open trip after B's probes: %d passengers, seats %+v", len(tr.Passengers), tr.Seats)
	}
	a.c.call(http.MethodPost, "/v1/bookings/"+a.booking+"/cancel", nil, http.StatusOK, nil)
	a.c.call(http.MethodDelete, "/v1/holds/seat", map[string]string{"trip_id": a.tripOpen, "flight_id": a.flight, "seat_number": a.seats[1]}, http.StatusOK, nil)
}
