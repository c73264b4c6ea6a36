package trip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/pkg/pricing"
)

func TestParseName(t *testing.T) {
	for _, ok := range []string{"Jane", "José", "Zoë", "O'Brien", "Anne-Marie", "van der Berg", "D’Angelo", "Łukasz", "Nguyễn", "  Jo  ", "李", strings.Repeat("a", 50)} {
		if _, err := ParseName(ok); err != nil {
			t.Errorf("ParseName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", "J4ne", "-Jane", "Jane-", "Jane  Doe", "Jane--Doe", "Robert'); DROP", "<b>", "a\x00b", strings.Repeat("a", 51), "\xff"} {
		if _, err := ParseName(bad); err == nil {
			t.Errorf("ParseName(%q) accepted", bad)
		}
	}
	if n, _ := ParseName("  Jane "); n != "Jane" {
		t.Errorf("not trimmed: %q", n)
	}
}

func TestParseSeatNumber(t *testing.T) {
	for _, ok := range []string{"1A", "9K", "12C", "99Z"} {
		if _, err := ParseSeatNumber(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "A", "1", "0A", "01A", "100A", "1a", "12AB", "1 A", "١A"} {
		if _, err := ParseSeatNumber(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

const (
	f1 = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	f2 = "3f2504e0-4f89-41d3-9a0c-0305e82c3302"
)

func TestParseFlightIDs(t *testing.T) {
	cases := []struct {
		ids    []string
		fields []string
	}{
		{[]string{f1}, nil},
		{[]string{f1, f2}, nil},
		{nil, []string{"flight_ids"}},
		{[]string{f1, f2, f1}, []string{"flight_ids[2]"}},
		{[]string{"nope", f1, "{" + f2 + "}"}, []string{"flight_ids[0]", "flight_ids[2]"}},
		{[]string{f1, strings.ToUpper(f1)}, []string{"flight_ids[1]"}},
		{[]string{f1, f1, f1}, []string{"flight_ids[1]", "flight_ids[2]"}},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, []string{"flight_ids", "flight_ids[0]", "flight_ids[1]", "flight_ids[2]", "flight_ids[3]", "flight_ids[4]", "flight_ids[5]", "flight_ids[6]"}},
	}
	for _, c := range cases {
		_, err := ParseFlightIDs(c.ids)
		checkFields(t, err, c.fields)
	}
}

func TestCheckBookable(t *testing.T) {
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	found := map[string]Flight{
		f1:  {ID: f1, Status: "SCHEDULED", DepartureAt: now.Add(time.Hour)},
		f2:  {ID: f2, Status: "SCHEDULED", DepartureAt: now},
		"c": {ID: "c", Status: "CANCELLED", DepartureAt: now.Add(time.Hour)},
	}
	checkFields(t, CheckBookable([]string{f1}, found, now), nil)
	checkFields(t, CheckBookable([]string{f1, f2, "c", "x"}, found, now), []string{"flight_ids[1]", "flight_ids[2]", "flight_ids[3]"})
}

func TestAddPassengerLimits(t *testing.T) {
	add := func(tr *Trip, typ pricing.PassengerType) error {
		return tr.AddPassenger(Passenger{Type: typ})
	}
	var tr Trip
	if err := add(&tr, pricing.Infant); !errors.Is(err, ErrPassengerLimit) {
		t.Fatalf("an infant without an adult: %v", err)
	}
	if err := add(&tr, pricing.Adult); err != nil {
		t.Fatal(err)
	}
	if err := add(&tr, pricing.Infant); err != nil {
		t.Fatal(err)
	}
	if err := add(&tr, pricing.Infant); !errors.Is(err, ErrPassengerLimit) {
		t.Fatalf("two infants, one adult: %v", err)
	}
	for range 8 {
		if err := add(&tr, pricing.Child); err != nil {
			t.Fatal(err)
		}
	}
	if err := add(&tr, pricing.Adult); !errors.Is(err, ErrPassengerLimit) {
		t.Fatalf("a tenth seated passenger: %v", err)
	}
	if tr.Seated() != 9 || len(tr.Passengers) != 10 {
		t.Fatalf("seated %d of %d", tr.Seated(), len(tr.Passengers))
	}
}

func TestSeatLimitAndAllowance(t *testing.T) {
	tr := Trip{Flights: []Flight{{ID: f1}, {ID: f2}}}
	if tr.SeatLimit() != 1 || tr.Allowance() != 2 || len(tr.PassengerTypes()) != 1 {
		t.Fatalf("no passengers: limit %d allowance %d", tr.SeatLimit(), tr.Allowance())
	}
	_ = tr.AddPassenger(Passenger{Type: pricing.Adult})
	_ = tr.AddPassenger(Passenger{Type: pricing.Infant})
	_ = tr.AddPassenger(Passenger{Type: pricing.Child})
	if tr.SeatLimit() != 2 || tr.Allowance() != 4 {
		t.Fatalf("adult, infant, child: limit %d allowance %d", tr.SeatLimit(), tr.Allowance())
	}
	if _, ok := tr.HasFlight(f2); !ok {
		t.Fatal("HasFlight")
	}
}

func TestParsePassenger(t *testing.T) {
	_, err := ParsePassenger("id", "", "D0e", "PILOT")
	checkFields(t, err, []string{"first_name", "last_name", "passenger_type"})
}

func checkFields(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("unexpected error %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("error %v, want fields %v", err, want)
		return
	}
	if len(ve.Fields) != len(want) {
		t.Errorf("fields %v, want %v", ve.Fields, want)
	}
	for _, f := range want {
		if ve.Fields[f] == "" {
			t.Errorf("no message for %s in %v", f, ve.Fields)
		}
	}
}
