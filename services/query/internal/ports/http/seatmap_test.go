package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/domain"
)

// a359 has business rows 1-2 (1-2-1) and economy rows 10-12 (3-3-3), an
// exit at row 11 and seat 12K blocked: 2×4 + 3×9 = 35 seats.
var a359 = domain.Layout{
	Aircraft: "A359", Name: "Airbus A350-900",
	Cabins: []domain.Cabin{
		{Code: "J", Name: "Business", FirstRow: 1, LastRow: 2, Layout: "A_DG_K"},
		{Code: "Y", Name: "Economy", FirstRow: 10, LastRow: 12, Layout: "ABC_DEF_HJK"},
	},
	ExitRows: []int{11},
	Blocked:  []string{"12K"},
}

func seatMapIndex() *fakeIndex {
	f := flight(idJFKLHR0800, "AL107", "JFK", "LHR", at(10, 8, 0))
	// 12K is both blocked and (wrongly) sold: blocked wins.
	return standardIndex().addSeatMap(f, a359, "1A", "10B", "11J", "12K")
}

func seatsPath(id string) string { return "/v1/flights/" + id + "/seats" }

func TestSeatMap(t *testing.T) {
	srv := newServer(t, seatMapIndex(), now)
	var got seatMapOut
	decodeOK(t, srv.do(t, http.MethodGet, seatsPath(idJFKLHR0800), ""), &got)

	if got.FlightID != idJFKLHR0800 || got.FlightNumber != "AL107" || got.Aircraft.Code != "A359" || got.Aircraft.Name != "Airbus A350-900" {
		t.Errorf("header %s %s %+v", got.FlightID, got.FlightNumber, got.Aircraft)
	}
	if got.AvailableSeats != 35-4 {
		t.Errorf("available_seats %d, want 31 (35 seats, 3 sold, 1 blocked)", got.AvailableSeats)
	}
	var cabins []string
	seats := map[string]seatOut{}
	var order []string
	for _, c := range got.Cabins {
		var rows []int
		for _, r := range c.Rows {
			rows = append(rows, r.Row)
			for _, s := range r.Seats {
				seats[s.SeatNumber] = s
				order = append(order, s.SeatNumber)
			}
		}
		cabins = append(cabins, fmt.Sprintf("%s %s %v", c.Code, c.Name, rows))
	}
	if want := []string{"J Business [1 2]", "Y Economy [10 11 12]"}; !slices.Equal(cabins, want) {
		t.Errorf("cabins %q, want %q", cabins, want)
	}
	if len(order) != 35 || order[0] != "1A" || order[4] != "2A" || order[8] != "10A" || order[34] != "12K" {
		t.Errorf("%d seats in order %v", len(order), order)
	}

	cases := []struct {
		seat, status, characteristics string
	}{
		{"1A", "sold", "aisle window"},
		{"1D", "available", "aisle"},
		{"1G", "available", "aisle"},
		{"1K", "available", "aisle window"},
		{"10A", "available", "window"},
		{"10B", "sold", "middle"},
		{"10C", "available", "aisle"},
		{"10D", "available", "aisle"},
		{"10E", "available", "middle"},
		{"10F", "available", "aisle"},
		{"10H", "available", "aisle"},
		{"10J", "available", "middle"},
		{"10K", "available", "window"},
		{"11A", "available", "exit_row window"},
		{"11E", "available", "exit_row middle"},
		{"11J", "sold", "exit_row middle"},
		{"12K", "blocked", "blocked window"},
	}
	for _, c := range cases {
		s, ok := seats[c.seat]
		if !ok {
			t.Errorf("no seat %s", c.seat)
			continue
		}
		if s.Status != c.status || strings.Join(s.Characteristics, " ") != c.characteristics || s.Letter != c.seat[len(c.seat)-1:] {
			t.Errorf("seat %s: letter %s, %s %v; want %s [%s]", c.seat, s.Letter, s.Status, s.Characteristics, c.status, c.characteristics)
		}
	}
}

func TestSeatMapNotFound(t *testing.T) {
	srv := newServer(t, seatMapIndex(), now)
	for _, id := range []string{
		idUnknown,    // a UUID the index does not know
		idLHRCDG0900, // searchable, but no seat map indexed
		"not-a-uuid", // not a UUID at all
		"AL107",      // a flight number is not an id
		"12345",      //
		idJFKLHR0800 + "0",
		"%20",
	} {
		t.Run(id, func(t *testing.T) {
			e := wantError(t, srv.do(t, http.MethodGet, seatsPath(id), ""), http.StatusNotFound, "flight_not_found")
			if len(e.Fields) != 0 {
				t.Errorf("fields %v on a 404", e.Fields)
			}
		})
	}
}

func TestSeatMapIndexUnavailable(t *testing.T) {
	ix := seatMapIndex()
	ix.err = app.ErrNoIndex
	srv := newServer(t, ix, now)
	wantError(t, srv.do(t, http.MethodGet, seatsPath(idJFKLHR0800), ""), http.StatusServiceUnavailable, "index_unavailable")
}
