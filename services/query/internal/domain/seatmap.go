package domain

import (
	"strconv"
	"strings"
)

// Seat statuses.
const (
	SeatAvailable = "available"
	SeatHeld      = "held"
	SeatSold      = "sold"
	SeatBlocked   = "blocked"
)

// Cabin is rows FirstRow..LastRow with seat letters in Layout ('_' = aisle).
type Cabin struct {
	Code, Name        string
	FirstRow, LastRow int
	Layout            string
}

// Layout is an aircraft's seat map.
type Layout struct {
	Aircraft, Name string
	Cabins         []Cabin
	ExitRows       []int
	Blocked        []string
}

// Seat is one seat with its characteristics and status.
type Seat struct {
	Number, Letter string
	Window, Aisle  bool
	Middle, Exit   bool
	Status         string
}

// Row is one row of seats.
type Row struct {
	Number int
	Seats  []Seat
}

// CabinMap is one cabin's rows.
type CabinMap struct {
	Code, Name string
	Rows       []Row
}

// SeatMap is a flight's seats with live status.
type SeatMap struct {
	Flight    Flight
	Cabins    []CabinMap
	Available int
}

// BuildSeatMap lays out every seat of the flight's aircraft with its status:
// blocked seats are never for sale, then sold, then held, else available.
func BuildSeatMap(f Flight, l Layout, sold, held map[string]bool) SeatMap {
	exits := map[int]bool{}
	for _, r := range l.ExitRows {
		exits[r] = true
	}
	blocked := map[string]bool{}
	for _, s := range l.Blocked {
		blocked[s] = true
	}
	m := SeatMap{Flight: f}
	for _, c := range l.Cabins {
		cm := CabinMap{Code: c.Code, Name: c.Name}
		for r := c.FirstRow; r <= c.LastRow; r++ {
			row := Row{Number: r, Seats: rowSeats(r, c.Layout, exits[r])}
			for i := range row.Seats {
				s := &row.Seats[i]
				s.Status = seatStatus(s.Number, blocked, sold, held)
				if s.Status == SeatAvailable {
					m.Available++
				}
			}
			cm.Rows = append(cm.Rows, row)
		}
		m.Cabins = append(m.Cabins, cm)
	}
	return m
}

func seatStatus(n string, blocked, sold, held map[string]bool) string {
	switch {
	case blocked[n]:
		return SeatBlocked
	case sold[n]:
		return SeatSold
	case held[n]:
		return SeatHeld
	}
	return SeatAvailable
}

// rowSeats derives window, aisle and middle from the layout string: the
// outermost letters are windows, letters beside a '_' are aisles.
func rowSeats(row int, layout string, exit bool) []Seat {
	groups := strings.Split(layout, "_")
	var seats []Seat
	for gi, g := range groups {
		for i, letter := range g {
			s := Seat{Number: strconv.Itoa(row) + string(letter), Letter: string(letter), Exit: exit}
			s.Window = (gi == 0 && i == 0) || (gi == len(groups)-1 && i == len(g)-1)
			s.Aisle = (gi > 0 && i == 0) || (gi < len(groups)-1 && i == len(g)-1)
			s.Middle = !s.Window && !s.Aisle
			seats = append(seats, s)
		}
	}
	return seats
}
