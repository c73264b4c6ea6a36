package domain_test

import (
	"testing"
	"time"

	"github.com/altisair/altis/services/query/internal/domain"
)

// scheduled is a SCHEDULED flight departing a day after now with 10 seats
// left of 100.
func scheduled() domain.Flight {
	return domain.Flight{
		ID: "f1", Number: "AL100", Origin: "JFK", Destination: "LHR",
		DepartureAt: now.Add(24 * time.Hour), ArrivalAt: now.Add(31 * time.Hour),
		Status: "SCHEDULED", Currency: "USD", Fares: map[string]int64{"Y": 50000},
		Capacity: 100, Sold: 85, Held: 5,
	}
}

func TestFlightAvailable(t *testing.T) {
	cases := []struct {
		capacity, sold, held, want int
	}{
		{100, 0, 0, 100},
		{100, 85, 5, 10},
		{100, 100, 0, 0},
		{100, 99, 1, 0},
		{100, 100, 3, 0}, // oversold by holds: never negative
		{100, 120, 0, 0}, // oversold: never negative
		{0, 0, 0, 0},     // no capacity
		{10, 8, 5, 0},    // sold and held together exceed capacity
		{10, 0, 10, 0},   // all held
		{10, 0, 2, 8},    // holds alone count
	}
	for _, c := range cases {
		f := domain.Flight{Capacity: c.capacity, Sold: c.sold, Held: c.held}
		if got := f.Available(); got != c.want {
			t.Errorf("capacity %d sold %d held %d: Available() = %d, want %d", c.capacity, c.sold, c.held, got, c.want)
		}
	}
}

func TestFlightBookable(t *testing.T) {
	with := func(change func(*domain.Flight)) domain.Flight {
		f := scheduled()
		change(&f)
		return f
	}
	cases := []struct {
		name   string
		flight domain.Flight
		n      int
		want   bool
	}{
		{"scheduled with seats", scheduled(), 1, true},
		{"exactly n seats left", scheduled(), 10, true},
		{"one seat fewer than n", scheduled(), 11, false},
		{"sold out", with(func(f *domain.Flight) { f.Sold = 95 }), 1, false},
		{"cancelled", with(func(f *domain.Flight) { f.Status = "CANCELLED" }), 1, false},
		{"departed", with(func(f *domain.Flight) { f.Status = "DEPARTED" }), 1, false},
		{"status is case sensitive", with(func(f *domain.Flight) { f.Status = "scheduled" }), 1, false},
		{"no status", with(func(f *domain.Flight) { f.Status = "" }), 1, false},
		{"departs exactly now", with(func(f *domain.Flight) { f.DepartureAt = now }), 1, false},
		{"departed a second ago", with(func(f *domain.Flight) { f.DepartureAt = now.Add(-time.Second) }), 1, false},
		{"departs in a nanosecond", with(func(f *domain.Flight) { f.DepartureAt = now.Add(time.Nanosecond) }), 1, true},
		{"now in another zone, same instant", with(func(f *domain.Flight) { f.DepartureAt = now.In(time.FixedZone("X", 3600)) }), 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.flight.Bookable(c.n, now); got != c.want {
				t.Fatalf("Bookable(%d) = %v, want %v (flight %+v)", c.n, got, c.want, c.flight)
			}
		})
	}
}

func TestFlightLowestCabin(t *testing.T) {
	cases := []struct {
		fares map[string]int64
		want  string // "": none
	}{
		{map[string]int64{"Y": 1, "W": 2, "J": 3, "F": 4}, "Y"},
		{map[string]int64{"F": 4, "J": 3, "W": 2}, "W"},
		{map[string]int64{"F": 4, "J": 3}, "J"},
		{map[string]int64{"F": 4}, "F"},
		{map[string]int64{"J": 300000, "Y": 500}, "Y"}, // order is by cabin, not by amount
		{map[string]int64{"Y": 0}, "Y"},                // a zero fare is still sold
		{map[string]int64{"P": 1}, ""},                 // unknown cabins are not priced
		{map[string]int64{}, ""},
		{nil, ""},
	}
	for _, c := range cases {
		got, ok := domain.Flight{Fares: c.fares}.LowestCabin()
		if got != c.want || ok != (c.want != "") {
			t.Errorf("fares %v: LowestCabin() = %q, %v; want %q, %v", c.fares, got, ok, c.want, c.want != "")
		}
	}
}
