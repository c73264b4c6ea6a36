package http

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/query/internal/domain"
)

// FuzzSearchRequest sends any body to the search decoder and parser: no
// panic; an accepted search meets every limit; a refusal is a 400 with
// fields in the one error shape, never a 5xx.
func FuzzSearchRequest(f *testing.F) {
	for _, body := range []string{
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2030-01-10"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"JFK","date":"2030-01-10"}],"passenger_count":9}`,
		`{"legs":[{"origin_airport_code":"jfk","destination_airport_code":"LHR","date":"2030-1-10"}],"passenger_count":10}`,
		`{"legs":[],"passenger_count":1}`, `{"passenger_count":1}`, `{"legs":null,"passenger_count":-1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2029-12-31"}],"passenger_count":1}`,
		`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2031-01-10"}],"passenger_count":1}`,
		`{"legs":[{"ORIGIN_AIRPORT_CODE":"JFK"}],"passenger_count":1}`, `{"passenger_count":1.5}`,
		`{"passenger_count":99999999999999999999}`, ``, `null`, `{"legs":[{}]} x`, strings.Repeat(`{"legs":[`, 50),
	} {
		f.Add([]byte(body))
	}
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	today := now.Truncate(24 * time.Hour)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req searchRequest
		err := web.Unmarshal(body, &req)
		var s domain.Search
		if err == nil {
			s, err = domain.ParseSearch(req.toDomain(), req.PassengerCount, now)
		}
		if err != nil {
			if e := Errors.Resolve(err); e.Status != http.StatusBadRequest || e.Code != "invalid_request" || len(e.Fields) == 0 {
				t.Fatalf("body %q: %v answers %d %s %v, want a 400 naming fields", body, err, e.Status, e.Code, e.Fields)
			}
			return
		}
		if len(s.Legs) < 1 || len(s.Legs) > domain.MaxLegs || s.Passengers < 1 || s.Passengers > domain.MaxPassengers {
			t.Fatalf("body %q accepted as %+v", body, s)
		}
		for i, l := range s.Legs {
			in := req.Legs[i]
			if string(l.Origin) != in.Origin || string(l.Destination) != in.Destination || l.Origin == l.Destination ||
				l.Date.Format(time.DateOnly) != in.Date || l.Date.Before(today) || l.Date.After(today.AddDate(0, 0, domain.MaxDaysAhead)) {
				t.Fatalf("leg %d %+v accepted from %+v", i, l, in)
			}
		}
	})
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// FuzzSeatMapFlightID: the seat map's flight id is canonical once
// accepted; anything else is a 404 unknown flight, never a 5xx.
func FuzzSeatMapFlightID(f *testing.F) {
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	for _, s := range []string{id, strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id, strings.ReplaceAll(id, "-", ""), "", "nope", id + "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseFlightID(s)
		if err != nil {
			if e := Errors.Resolve(err); e.Status != http.StatusNotFound || e.Code != "flight_not_found" {
				t.Fatalf("%q: %v answers %d %s", s, err, e.Status, e.Code)
			}
			return
		}
		if again, err := parseFlightID(got); err != nil || again != got || !uuidPattern.MatchString(got) {
			t.Fatalf("%q accepted as %q, not canonical", s, got)
		}
	})
}
