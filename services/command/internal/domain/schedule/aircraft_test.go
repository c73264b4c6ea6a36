package schedule

import (
	"slices"
	"strings"
	"testing"
)

func TestFleetIsValid(t *testing.T) {
	for _, a := range Fleet() {
		t.Run(a.Code, func(t *testing.T) {
			checkCabins(t, a)
			seats, rows := map[string]bool{}, map[int]bool{}
			for _, s := range a.Seats() {
				if seats[s.Number] {
					t.Errorf("seat %s repeated", s.Number)
				}
				seats[s.Number], rows[s.Row] = true, true
			}
			for _, b := range a.Blocked {
				if !seats[b] {
					t.Errorf("blocked seat %s does not exist", b)
				}
			}
			for _, r := range a.ExitRows {
				if !rows[r] {
					t.Errorf("exit row %d does not exist", r)
				}
			}
			if c := a.Capacity(); c < 150 || c > 300 {
				t.Errorf("capacity %d, want 150-300", c)
			}
		})
	}
}

func checkCabins(t *testing.T, a Aircraft) {
	t.Helper()
	lastRow := 0
	for _, c := range a.Cabins {
		if c.FirstRow <= lastRow || c.LastRow < c.FirstRow {
			t.Errorf("cabin %s rows %d-%d overlap or are reversed", c.Code, c.FirstRow, c.LastRow)
		}
		lastRow = c.LastRow
		if _, ok := cabinFactor[c.Code]; !ok {
			t.Errorf("unknown cabin code %q", c.Code)
		}
		letters := strings.ReplaceAll(c.Layout, "_", "")
		if strings.ContainsAny(letters, "IO") || strings.HasPrefix(c.Layout, "_") || strings.HasSuffix(c.Layout, "_") || strings.Contains(c.Layout, "__") {
			t.Errorf("cabin %s layout %q is malformed", c.Code, c.Layout)
		}
		sorted := []byte(letters)
		slices.Sort(sorted)
		if string(slices.Compact(sorted)) != letters {
			t.Errorf("cabin %s layout %q letters are not unique and ascending", c.Code, c.Layout)
		}
	}
}

func TestCapacity(t *testing.T) {
	tests := []struct {
		code         string
		seats, sells int
	}{
		{"A320", 168, 166},
		{"B738", 172, 171},
		{"B789", 281, 279},
		{"A359", 296, 294},
		{"B77W", 278, 276},
	}
	for _, tt := range tests {
		a, ok := AircraftByCode(tt.code)
		if !ok {
			t.Fatalf("no aircraft %s", tt.code)
		}
		if got := len(a.Seats()); got != tt.seats {
			t.Errorf("%s has %d seats, want %d", tt.code, got, tt.seats)
		}
		if got := a.Capacity(); got != tt.sells {
			t.Errorf("%s capacity %d, want %d", tt.code, got, tt.sells)
		}
	}
}

// kind is a seat's position: W window, A aisle, M middle, B both window and aisle.
func kind(s Seat) string {
	switch {
	case s.Window && s.Aisle && !s.Middle:
		return "B"
	case s.Window && !s.Aisle && !s.Middle:
		return "W"
	case s.Aisle && !s.Window && !s.Middle:
		return "A"
	case s.Middle && !s.Window && !s.Aisle:
		return "M"
	}
	return "?"
}

func TestSeatPositions(t *testing.T) {
	tests := []struct {
		name     string
		aircraft string
		row      int
		want     string // letter:kind for each seat of the row
	}{
		{"A320 business 2-2", "A320", 1, "A:W C:A D:A F:W"},
		{"A320 economy 3-3", "A320", 20, "A:W B:M C:A D:A E:M F:W"},
		{"B789 business 1-2-1", "B789", 1, "A:B D:A G:A K:B"},
		{"B789 premium 2-3-2", "B789", 21, "A:W C:A D:A E:M F:A H:A K:W"},
		{"B789 economy 3-3-3", "B789", 35, "A:W B:M C:A D:A E:M F:A H:A J:M K:W"},
		{"B77W economy 3-4-3", "B77W", 31, "A:W B:M C:A D:A E:M F:M G:A H:A J:M K:W"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rowKinds(t, tt.aircraft, tt.row); got != tt.want {
				t.Errorf("row %d = %q, want %q", tt.row, got, tt.want)
			}
		})
	}
}

func rowKinds(t *testing.T, code string, row int) string {
	t.Helper()
	a, _ := AircraftByCode(code)
	var parts []string
	for _, s := range a.Seats() {
		if s.Row == row {
			parts = append(parts, s.Letter+":"+kind(s))
		}
	}
	return strings.Join(parts, " ")
}

func TestSeatFlags(t *testing.T) {
	a, _ := AircraftByCode("A320")
	bySeat := map[string]Seat{}
	for _, s := range a.Seats() {
		bySeat[s.Number] = s
	}
	tests := []struct {
		number           string
		cabin            string
		exitRow, blocked bool
	}{
		{"1A", CabinBusiness, false, false},
		{"3F", CabinBusiness, false, false},
		{"4A", CabinEconomy, false, false},
		{"12C", CabinEconomy, true, false},
		{"13F", CabinEconomy, true, false},
		{"14A", CabinEconomy, false, false},
		{"29C", CabinEconomy, false, true},
		{"29B", CabinEconomy, false, false},
	}
	for _, tt := range tests {
		s, ok := bySeat[tt.number]
		if !ok {
			t.Errorf("no seat %s", tt.number)
			continue
		}
		if s.Cabin != tt.cabin || s.ExitRow != tt.exitRow || s.Blocked != tt.blocked {
			t.Errorf("seat %s = %+v, want cabin %s exit %v blocked %v", tt.number, s, tt.cabin, tt.exitRow, tt.blocked)
		}
	}
	if _, ok := bySeat["1B"]; ok {
		t.Error("A320 business has a seat 1B")
	}
}

func TestSeatsAreInRowThenLetterOrder(t *testing.T) {
	a, _ := AircraftByCode("B789")
	seats := a.Seats()
	if seats[0].Number != "1A" || seats[len(seats)-1].Number != "52K" {
		t.Errorf("seats run %s..%s, want 1A..52K", seats[0].Number, seats[len(seats)-1].Number)
	}
	sorted := slices.IsSortedFunc(seats, func(x, y Seat) int {
		if x.Row != y.Row {
			return x.Row - y.Row
		}
		return strings.Compare(x.Letter, y.Letter)
	})
	if !sorted {
		t.Error("seats are not in row then letter order")
	}
}

func TestAircraftByCode(t *testing.T) {
	if _, ok := AircraftByCode("B744"); ok {
		t.Error("AircraftByCode(B744) found an aircraft")
	}
	a, _ := AircraftByCode("A320")
	a.Blocked[0] = "1A"
	a.Cabins[0].Layout = "A"
	b, _ := AircraftByCode("A320")
	if b.Blocked[0] != "29C" || b.Cabins[0].Layout != "AC_DF" {
		t.Error("AircraftByCode exposes the package's table")
	}
	Fleet()[0].ExitRows[0] = 99
	if Fleet()[0].ExitRows[0] == 99 {
		t.Error("Fleet exposes the package's table")
	}
}
