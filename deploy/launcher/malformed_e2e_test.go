package launcher_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/deploy/apicheck"
)

// jsonRoute is a route that takes a JSON body, with a body it accepts and
// one with a field of the wrong type.
type jsonRoute struct {
	method, path string
	valid        string
	wrongType    string
	emptyOK      bool // an empty body is a valid request
}

// badBody is one kind of broken body and the status it must get.
type badBody struct {
	name        string
	body        func(r jsonRoute) string
	contentType string
	chunked     bool // sent without a Content-Length
	want        int
}

// overLimit is over the gateway's default body limit (64 KiB).
const overLimit = 80 << 10

func badBodies() []badBody {
	nested := `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	big := func(r jsonRoute) string {
		return r.valid[:len(r.valid)-1] + `,"pad":"` + strings.Repeat("x", overLimit) + `"}`
	}
	const js = "application/json"
	return []badBody{
		{"empty", func(jsonRoute) string { return "" }, js, false, 400},
		{"not JSON", func(jsonRoute) string { return "hello, world" }, js, false, 400},
		{"truncated JSON", func(r jsonRoute) string { return r.valid[:len(r.valid)-1] }, js, false, 400},
		{"an array, not an object", func(jsonRoute) string { return `[1,2,3]` }, js, false, 400},
		{"a field of the wrong type", func(r jsonRoute) string { return r.wrongType }, js, false, 400},
		{"an unknown field", func(r jsonRoute) string { return r.valid[:len(r.valid)-1] + `,"zz_unknown":1}` }, js, false, 400},
		{"a key in another case", upperFirstKey, js, false, 400},
		{"trailing garbage", func(r jsonRoute) string { return r.valid + ` {"x":1}` }, js, false, 400},
		{"deeply nested", func(jsonRoute) string { return nested }, js, false, 400},
		{"over the body limit", big, js, false, 413},
		{"over the body limit, chunked", big, js, true, 413},
		{"not declared as JSON", func(r jsonRoute) string { return r.valid }, "text/plain", false, 415},
		{"declared as a form", func(r jsonRoute) string { return r.valid }, "application/x-www-form-urlencoded", false, 415},
	}
}

// upperFirstKey spells the valid body's first key in upper case (or adds
// one to an empty object): keys are exact.
func upperFirstKey(r jsonRoute) string {
	if r.valid == `{}` {
		return `{"ZZ":1}`
	}
	end := strings.Index(r.valid[2:], `"`) + 2
	return `{"` + strings.ToUpper(r.valid[2:end]) + r.valid[end:]
}

// jsonRoutes lists every route that takes a JSON body; trip is the
// guest's own open trip and flight a flight on sale.
func jsonRoutes(trip, flight string) []jsonRoute {
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	seat := fmt.Sprintf(`{"trip_id":%q,"flight_id":%q,"seat_number":"3A"}`, trip, flight)
	return []jsonRoute{
		{http.MethodPost, "/v1/auth/guest", `{}`, `[]`, true},
		{http.MethodPost, "/v1/flights/" + flight + "/stream-ticket", `{}`, `"{}"`, true},
		{http.MethodPost, "/v1/flights/search", fmt.Sprintf(`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":%q}],"passenger_count":1}`, day),
			`{"legs":"JFK-LHR","passenger_count":1}`, false},
		{http.MethodPost, "/v1/holds/trip", fmt.Sprintf(`{"flight_ids":[%q]}`, flight), `{"flight_ids":"all"}`, false},
		{http.MethodPost, "/v1/holds/trip/" + trip + "/passengers", `{"first_name":"Ann","last_name":"Body","passenger_type":"ADULT"}`,
			`{"first_name":["Ann"],"last_name":"Body","passenger_type":"ADULT"}`, false},
		{http.MethodPost, "/v1/holds/seat", seat, fmt.Sprintf(`{"trip_id":%q,"flight_id":%q,"seat_number":3}`, trip, flight), false},
		{http.MethodDelete, "/v1/holds/seat", seat, fmt.Sprintf(`{"trip_id":1,"flight_id":%q,"seat_number":"3A"}`, flight), false},
		{http.MethodPost, "/v1/bookings/commit", fmt.Sprintf(`{"trip_id":%q,"user_email":"ann@example.com","payment_token":"tok_visa","passengers":[]}`, trip),
			fmt.Sprintf(`{"trip_id":%q,"user_email":"ann@example.com","payment_token":"tok_visa","passengers":{}}`, trip), false},
	}
}

// checkMalformedBodies sends every kind of broken body to every route that
// takes JSON, each with and without `Expect: 100-continue`: 400, 413 or
// 415 in the one error shape (the contract checks the shape and that the
// status is documented), never a 5xx, never the route's success.
func checkMalformedBodies(t *testing.T, gateway int) {
	t.Helper()
	g := newClient(t, gateway)
	day := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	flight := search(t, gateway, [][2]string{{"JFK", "LHR"}}, day).Legs[0].Flights[1].FlightID
	var trip struct {
		TripID string `json:"trip_id"`
	}
	g.call(http.MethodPost, "/v1/holds/trip", map[string]any{"flight_ids": []string{flight}}, http.StatusCreated, &trip)
	n := 0
	for _, r := range jsonRoutes(trip.TripID, flight) {
		for _, bad := range badBodies() {
			if bad.name == "empty" && r.emptyOK {
				continue
			}
			for _, expect := range []bool{false, true} {
				name := fmt.Sprintf("%s %s, %s, Expect: 100-continue %v", r.method, r.path, bad.name, expect)
				e := g.sendRaw(r.method, r.path, bad.body(r), bad.contentType, bad.chunked, expect)
				if e.status != bad.want {
					t.Errorf("%s = %d, want %d: %.300s", name, e.status, bad.want, e.body)
				}
				n++
			}
		}
	}
	t.Logf("%d malformed bodies sent", n)
}

// sendRaw sends body as is, declared as contentType, with or without a
// Content-Length and `Expect: 100-continue` (http.DefaultTransport waits
// for the 100 before it sends the body).
func (c *client) sendRaw(method, path, body, contentType string, chunked, expect bool) exchange {
	c.t.Helper()
	ctx := apicheck.WithMode(context.Background(), apicheck.BadRequest)
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // hides the length: the body goes chunked
	}
	req, err := http.NewRequestWithContext(ctx, method, fmt.Sprintf("http://127.0.0.1:%d%s", c.gateway, path), r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if expect {
		req.Header.Set("Expect", "100-continue")
	}
	return c.exchange(req)
}
