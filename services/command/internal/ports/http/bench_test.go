package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkHoldSeat measures the command service's seat hold end to end
// through its router (token check, trip read, the atomic Redis step), on
// real Redis and PostgreSQL. Each iteration holds a new seat.
func BenchmarkHoldSeat(b *testing.B) {
	h := newHarness(b, options{limits: limits(100000, 1000000)})
	type hold struct{ authz, body string }
	var holds []hold
	for group := 0; len(holds) < b.N; group++ {
		flights, seats := h.flightGroup(group)
		for len(holds) < b.N && len(seats[flights[0]]) >= 9 {
			g := h.guest()
			trip := h.trip(g, flights...)
			for range 9 {
				h.do(http.MethodPost, "/v1/holds/trip/"+trip+"/passengers", g,
					map[string]string{"first_name": "Bench", "last_name": "Guest", "passenger_type": "ADULT"})
			}
			for _, f := range flights {
				for _, s := range seats[f][:9] {
					holds = append(holds, hold{g, fmt.Sprintf(`{"trip_id":%q,"flight_id":%q,"seat_number":%q}`, trip, f, s)})
				}
				seats[f] = seats[f][9:]
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/v1/holds/seat", strings.NewReader(holds[i].body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", holds[i].authz)
		rec := httptest.NewRecorder()
		h.e.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("hold %d: %d %s", i, rec.Code, rec.Body)
		}
	}
}

// flightGroup returns the n-th group of six upcoming flights of one
// aircraft type, with each one's free seats.
func (h *harness) flightGroup(n int) ([]string, map[string][]string) {
	h.t.Helper()
	ctx := context.Background()
	rows, err := h.pool.Query(ctx, `
		SELECT id::text FROM flights WHERE departure_at > now() + interval '6 hours' AND aircraft_code = 'A320'
		ORDER BY departure_at, id OFFSET $1 LIMIT 6`, n*6)
	must(h.t, err)
	var flights []string
	for rows.Next() {
		var id string
		must(h.t, rows.Scan(&id))
		flights = append(flights, id)
	}
	must(h.t, rows.Err())
	if len(flights) < 6 {
		h.t.Fatalf("only %d flights in group %d", len(flights), n)
	}
	var seats []string
	rows, err = h.pool.Query(ctx, `SELECT seat_number FROM aircraft_seats WHERE aircraft_code = 'A320' AND NOT is_blocked ORDER BY seat_number`)
	must(h.t, err)
	for rows.Next() {
		var s string
		must(h.t, rows.Scan(&s))
		seats = append(seats, s)
	}
	must(h.t, rows.Err())
	out := map[string][]string{}
	for _, f := range flights {
		out[f] = append([]string(nil), seats...)
	}
	return flights, out
}
