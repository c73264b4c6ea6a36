package schedule

import (
	"slices"
	"strconv"
	"strings"
)

// Cabin codes used in Cabin.Code and as keys of fare maps.
const (
	CabinFirst          = "F"
	CabinBusiness       = "J"
	CabinPremiumEconomy = "W"
	CabinEconomy        = "Y"
)

// Cabin is a block of consecutive rows sharing one seat layout.
type Cabin struct {
	Code     string // CabinFirst, CabinBusiness, CabinPremiumEconomy or CabinEconomy
	Name     string
	FirstRow int
	LastRow  int
	Layout   string // seat letters with '_' for an aisle, e.g. "ABC_DEF"
}

// Aircraft is an aircraft type with its seat map.
type Aircraft struct {
	Code     string // ICAO type designator, e.g. "A320"
	Name     string
	Cabins   []Cabin  // in row order
	ExitRows []int    // rows next to an emergency exit
	Blocked  []string // seats never sold (crew rest, inoperative), e.g. "29C"
}

// Seat is one seat of an aircraft's seat map.
//
// A seat alone between a window and an aisle (the A and K seats of a 1-2-1
// layout) is both Window and Aisle. Middle means neither.
type Seat struct {
	Number  string // row and letter, e.g. "12C"
	Row     int
	Letter  string
	Cabin   string // cabin code
	Window  bool
	Aisle   bool
	Middle  bool
	ExitRow bool
	Blocked bool
}

var fleet = []Aircraft{
	{
		Code: "A320", Name: "Airbus A320-200",
		Cabins: []Cabin{
			{CabinBusiness, "Business", 1, 3, "AC_DF"},
			{CabinEconomy, "Economy", 4, 29, "ABC_DEF"},
		},
		ExitRows: []int{12, 13},
		Blocked:  []string{"29C", "29D"},
	},
	{
		Code: "B738", Name: "Boeing 737-800",
		Cabins: []Cabin{
			{CabinBusiness, "Business", 1, 4, "AC_DF"},
			{CabinEconomy, "Economy", 5, 30, "ABC_DEF"},
		},
		ExitRows: []int{14, 15},
		Blocked:  []string{"30E"},
	},
	{
		Code: "B789", Name: "Boeing 787-9 Dreamliner",
		Cabins: []Cabin{
			{CabinBusiness, "Business", 1, 8, "A_DG_K"},
			{CabinPremiumEconomy, "Premium Economy", 20, 25, "AC_DEF_HK"},
			{CabinEconomy, "Economy", 30, 52, "ABC_DEF_HJK"},
		},
		ExitRows: []int{20, 30, 41},
		Blocked:  []string{"52D", "52E"},
	},
	{
		Code: "A359", Name: "Airbus A350-900",
		Cabins: []Cabin{
			{CabinBusiness, "Business", 1, 9, "A_DG_K"},
			{CabinPremiumEconomy, "Premium Economy", 20, 24, "AC_DEF_HK"},
			{CabinEconomy, "Economy", 30, 54, "ABC_DEF_HJK"},
		},
		ExitRows: []int{20, 30, 44},
		Blocked:  []string{"54D", "54F"},
	},
	{
		Code: "B77W", Name: "Boeing 777-300ER",
		Cabins: []Cabin{
			{CabinFirst, "First", 1, 2, "A_EF_K"},
			{CabinBusiness, "Business", 6, 12, "A_EF_K"},
			{CabinPremiumEconomy, "Premium Economy", 20, 23, "AC_DEFG_HK"},
			{CabinEconomy, "Economy", 30, 50, "ABC_DEFG_HJK"},
		},
		ExitRows: []int{20, 30, 41},
		Blocked:  []string{"50D", "50G"},
	},
}

// Fleet returns every aircraft type in the schedule, in a fixed order.
func Fleet() []Aircraft {
	out := make([]Aircraft, len(fleet))
	for i, a := range fleet {
		out[i] = a.clone()
	}
	return out
}

// AircraftByCode returns the aircraft type with the given code.
func AircraftByCode(code string) (Aircraft, bool) {
	i := slices.IndexFunc(fleet, func(a Aircraft) bool { return a.Code == code })
	if i < 0 {
		return Aircraft{}, false
	}
	return fleet[i].clone(), true
}

// Seats returns every seat, blocked ones included, in row then letter order.
func (a Aircraft) Seats() []Seat {
	var seats []Seat
	for _, c := range a.Cabins {
		for row := c.FirstRow; row <= c.LastRow; row++ {
			seats = append(seats, a.rowSeats(c, row)...)
		}
	}
	return seats
}

// Capacity is the number of seats that can be sold: all seats minus blocked.
func (a Aircraft) Capacity() int {
	n := 0
	for _, s := range a.Seats() {
		if !s.Blocked {
			n++
		}
	}
	return n
}

// cabinCodes returns the codes of the aircraft's cabins, in row order.
func (a Aircraft) cabinCodes() []string {
	codes := make([]string, len(a.Cabins))
	for i, c := range a.Cabins {
		codes[i] = c.Code
	}
	return codes
}

func (a Aircraft) rowSeats(c Cabin, row int) []Seat {
	blocks := strings.Split(c.Layout, "_")
	var seats []Seat
	for bi, block := range blocks {
		for li, r := range block {
			window := (bi == 0 && li == 0) || (bi == len(blocks)-1 && li == len(block)-1)
			aisle := (bi > 0 && li == 0) || (bi < len(blocks)-1 && li == len(block)-1)
			s := Seat{
				Number:  strconv.Itoa(row) + string(r),
				Row:     row,
				Letter:  string(r),
				Cabin:   c.Code,
				Window:  window,
				Aisle:   aisle,
				Middle:  !window && !aisle,
				ExitRow: slices.Contains(a.ExitRows, row),
			}
			s.Blocked = slices.Contains(a.Blocked, s.Number)
			seats = append(seats, s)
		}
	}
	return seats
}

func (a Aircraft) clone() Aircraft {
	a.Cabins = slices.Clone(a.Cabins)
	a.ExitRows = slices.Clone(a.ExitRows)
	a.Blocked = slices.Clone(a.Blocked)
	return a
}
