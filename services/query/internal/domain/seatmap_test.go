package domain_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/altisair/altis/services/query/internal/domain"
)

// kind names a seat's position: "window", "aisle", "middle" or
// "window+aisle".
func kind(s domain.Seat) string {
	var parts []string
	if s.Window {
		parts = append(parts, "window")
	}
	if s.Aisle {
		parts = append(parts, "aisle")
	}
	if s.Middle {
		parts = append(parts, "middle")
	}
	return strings.Join(parts, "+")
}

// oneRow lays out a single row 7 of layout.
func oneRow(layout string, exitRows ...int) domain.Row {
	l := domain.Layout{Cabins: []domain.Cabin{{Code: "Y", Name: "Economy", FirstRow: 7, LastRow: 7, Layout: layout}}, ExitRows: exitRows}
	m := domain.BuildSeatMap(domain.Flight{}, l, nil, nil)
	return m.Cabins[0].Rows[0]
}

func TestSeatPositions(t *testing.T) {
	cases := []struct {
		layout string
		want   map[string]string // letter → kind
		order  string            // the letters in row order
	}{
		{"ABC_DEF", map[string]string{
			"A": "window", "B": "middle", "C": "aisle",
			"D": "aisle", "E": "middle", "F": "window",
		}, "ABCDEF"},
		{"ABC_DEF_HJK", map[string]string{
			"A": "window", "B": "middle", "C": "aisle",
			"D": "aisle", "E": "middle", "F": "aisle",
			"H": "aisle", "J": "middle", "K": "window",
		}, "ABCDEFHJK"},
		{"A_DG_K", map[string]string{
			"A": "window+aisle", "D": "aisle", "G": "aisle", "K": "window+aisle",
		}, "ADGK"},
		{"AC_DF", map[string]string{
			"A": "window", "C": "aisle", "D": "aisle", "F": "window",
		}, "ACDF"},
		{"AB_CDEF_GH", map[string]string{
			"A": "window", "B": "aisle",
			"C": "aisle", "D": "middle", "E": "middle", "F": "aisle",
			"G": "aisle", "H": "window",
		}, "ABCDEFGH"},
	}
	for _, c := range cases {
		t.Run(c.layout, func(t *testing.T) {
			row := oneRow(c.layout)
			var letters strings.Builder
			got := map[string]string{}
			for _, s := range row.Seats {
				letters.WriteString(s.Letter)
				got[s.Letter] = kind(s)
				if s.Number != "7"+s.Letter {
					t.Errorf("seat %s has number %q, want %q", s.Letter, s.Number, "7"+s.Letter)
				}
				if s.Exit {
					t.Errorf("seat %s is flagged exit, row 7 is not an exit row", s.Number)
				}
			}
			if letters.String() != c.order {
				t.Errorf("seats in order %q, want %q", letters.String(), c.order)
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("positions\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestExitRowsFlagged(t *testing.T) {
	l := domain.Layout{
		Cabins: []domain.Cabin{
			{Code: "J", Name: "Business", FirstRow: 1, LastRow: 3, Layout: "AC_DF"},
			{Code: "Y", Name: "Economy", FirstRow: 10, LastRow: 14, Layout: "ABC_DEF"},
		},
		ExitRows: []int{12, 14, 99},
	}
	m := domain.BuildSeatMap(domain.Flight{}, l, nil, nil)
	var exits []int
	for _, c := range m.Cabins {
		for _, r := range c.Rows {
			for _, s := range r.Seats {
				if s.Exit != slices.Contains(l.ExitRows, r.Number) {
					t.Errorf("seat %s: exit %v", s.Number, s.Exit)
				}
			}
			if r.Seats[0].Exit {
				exits = append(exits, r.Number)
			}
		}
	}
	if !slices.Equal(exits, []int{12, 14}) {
		t.Fatalf("exit rows %v, want [12 14]", exits)
	}
}

func TestSeatMapShape(t *testing.T) {
	f := domain.Flight{ID: "f1", Number: "AL100"}
	l := domain.Layout{Cabins: []domain.Cabin{
		{Code: "J", Name: "Business", FirstRow: 1, LastRow: 2, Layout: "A_DG_K"},
		{Code: "Y", Name: "Economy", FirstRow: 10, LastRow: 12, Layout: "ABC_DEF_HJK"},
	}}
	m := domain.BuildSeatMap(f, l, nil, nil)
	if m.Flight.ID != "f1" || len(m.Cabins) != 2 {
		t.Fatalf("seat map %+v", m)
	}
	for i, want := range []struct {
		code, name string
		rows       []int
		seats      int
	}{{"J", "Business", []int{1, 2}, 4}, {"Y", "Economy", []int{10, 11, 12}, 9}} {
		c := m.Cabins[i]
		var rows []int
		for _, r := range c.Rows {
			rows = append(rows, r.Number)
			if len(r.Seats) != want.seats {
				t.Errorf("cabin %s row %d has %d seats, want %d", c.Code, r.Number, len(r.Seats), want.seats)
			}
		}
		if c.Code != want.code || c.Name != want.name || !slices.Equal(rows, want.rows) {
			t.Errorf("cabin %d = %s %q rows %v, want %s %q rows %v", i, c.Code, c.Name, rows, want.code, want.name, want.rows)
		}
	}
	if m.Available != 2*4+3*9 {
		t.Errorf("Available = %d, want %d", m.Available, 2*4+3*9)
	}
}

func TestSeatStatus(t *testing.T) {
	set := func(seats ...string) map[string]bool {
		m := map[string]bool{}
		for _, s := range seats {
			m[s] = true
		}
		return m
	}
	// Row 7 of "ABC_DEF": 7A..7F.
	cases := []struct {
		name       string
		blocked    []string
		sold, held map[string]bool
		want       map[string]string // seat → status; others available
		available  int
	}{
		{"all available", nil, nil, nil, nil, 6},
		{"sold", nil, set("7A", "7F"), nil, map[string]string{"7A": "sold", "7F": "sold"}, 4},
		{"held", nil, nil, set("7B"), map[string]string{"7B": "held"}, 5},
		{"blocked", []string{"7C"}, nil, nil, map[string]string{"7C": "blocked"}, 5},
		{"blocked wins over sold", []string{"7A"}, set("7A"), nil, map[string]string{"7A": "blocked"}, 5},
		{"blocked wins over held", []string{"7A"}, nil, set("7A"), map[string]string{"7A": "blocked"}, 5},
		{"sold wins over held", nil, set("7D"), set("7D"), map[string]string{"7D": "sold"}, 5},
		{"blocked wins over sold and held", []string{"7E"}, set("7E"), set("7E"), map[string]string{"7E": "blocked"}, 5},
		{"mixed", []string{"7A"}, set("7B", "7C"), set("7C", "7D"), map[string]string{
			"7A": "blocked", "7B": "sold", "7C": "sold", "7D": "held"}, 2},
		{"other rows' seats do not count", []string{"8A"}, set("9B", "7Z"), set("1A"), nil, 6},
		{"false entries are not sold", nil, map[string]bool{"7A": false}, map[string]bool{"7B": false}, nil, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := domain.Layout{Cabins: []domain.Cabin{{Code: "Y", FirstRow: 7, LastRow: 7, Layout: "ABC_DEF"}}, Blocked: c.blocked}
			m := domain.BuildSeatMap(domain.Flight{}, l, c.sold, c.held)
			for _, s := range m.Cabins[0].Rows[0].Seats {
				want := c.want[s.Number]
				if want == "" {
					want = domain.SeatAvailable
				}
				if s.Status != want {
					t.Errorf("seat %s is %q, want %q", s.Number, s.Status, want)
				}
			}
			if m.Available != c.available {
				t.Errorf("Available = %d, want %d", m.Available, c.available)
			}
		})
	}
}
