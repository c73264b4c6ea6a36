package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/altisair/altis/services/query/internal/domain"
)

// now is the pinned moment of every search test: 2026-12-01 15:04 UTC, so
// "today" is 2026-12-01.
var now = time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC)

// leg is a valid JFK-LHR leg on date.
func leg(date string) domain.LegInput {
	return domain.LegInput{Origin: "JFK", Destination: "LHR", Date: date}
}

func legs(n int) []domain.LegInput {
	out := make([]domain.LegInput, n)
	for i := range out {
		out[i] = leg("2026-12-10")
	}
	return out
}

// fieldKeys returns the sorted field keys of a *domain.ValidationError, or
// fails the test when err is something else.
func fieldKeys(t *testing.T, err error) []string {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *domain.ValidationError", err, err)
	}
	keys := make([]string, 0, len(ve.Fields))
	for k, msg := range ve.Fields {
		if strings.TrimSpace(msg) == "" {
			t.Errorf("field %q has an empty message", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestParseSearchRejects(t *testing.T) {
	cases := []struct {
		name string
		legs []domain.LegInput
		pax  int
		now  time.Time // zero: now
		want []string  // every field key reported, sorted
	}{
		{"no legs", nil, 1, time.Time{}, []string{"legs"}},
		{"empty legs", []domain.LegInput{}, 1, time.Time{}, []string{"legs"}},
		{"seven legs", legs(7), 1, time.Time{}, []string{"legs"}},
		{"origin lower case", []domain.LegInput{{"jfk", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin mixed case", []domain.LegInput{{"Jfk", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin two letters", []domain.LegInput{{"JF", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin four letters", []domain.LegInput{{"JFKX", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin digits", []domain.LegInput{{"J1K", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin empty", []domain.LegInput{{"", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"origin non-ASCII", []domain.LegInput{{"ÅBC", "LHR", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].origin_airport_code"}},
		{"destination lower case", []domain.LegInput{{"JFK", "lhr", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].destination_airport_code"}},
		{"destination two letters", []domain.LegInput{{"JFK", "LH", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].destination_airport_code"}},
		{"destination digits", []domain.LegInput{{"JFK", "123", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].destination_airport_code"}},
		{"destination empty", []domain.LegInput{{"JFK", "", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].destination_airport_code"}},
		{"origin equals destination", []domain.LegInput{{"JFK", "JFK", "2026-12-10"}}, 1, time.Time{}, []string{"legs[0].destination_airport_code"}},
		{"date with slashes", []domain.LegInput{leg("2026/12/01")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date as a word", []domain.LegInput{leg("tomorrow")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date month 13", []domain.LegInput{leg("2026-13-01")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date February 30", []domain.LegInput{leg("2027-02-30")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date without zero padding", []domain.LegInput{leg("2026-12-9")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date with a time", []domain.LegInput{leg("2026-12-10T00:00:00Z")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date empty", []domain.LegInput{leg("")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date yesterday", []domain.LegInput{leg("2026-11-30")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date last year", []domain.LegInput{leg("2025-12-01")}, 1, time.Time{}, []string{"legs[0].date"}},
		// 23:30 in New York on 1 December is already 2 December in UTC.
		{"date past in UTC though not locally", []domain.LegInput{leg("2026-12-01")}, 1,
			time.Date(2026, 12, 1, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), []string{"legs[0].date"}},
		{"date 367 days ahead", []domain.LegInput{leg("2027-12-03")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"date years ahead", []domain.LegInput{leg("2030-01-01")}, 1, time.Time{}, []string{"legs[0].date"}},
		{"passenger count 0", legs(1), 0, time.Time{}, []string{"passenger_count"}},
		{"passenger count -1", legs(1), -1, time.Time{}, []string{"passenger_count"}},
		{"passenger count 10", legs(1), 10, time.Time{}, []string{"passenger_count"}},
		{"error on the second leg", []domain.LegInput{leg("2026-12-10"), {"LHR", "lhr", "2026-12-17"}}, 1, time.Time{},
			[]string{"legs[1].destination_airport_code"}},
		{"every error at once", []domain.LegInput{{"jfk", "LH", "2026/12/10"}, {"LHR", "CDG", "2020-01-01"}}, 0, time.Time{},
			[]string{"legs[0].date", "legs[0].destination_airport_code", "legs[0].origin_airport_code", "legs[1].date", "passenger_count"}},
		{"too many legs and no passengers", legs(7), 0, time.Time{}, []string{"legs", "passenger_count"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := c.now
			if at.IsZero() {
				at = now
			}
			_, err := domain.ParseSearch(c.legs, c.pax, at)
			if got := fieldKeys(t, err); !slices.Equal(got, c.want) {
				t.Fatalf("field keys %q, want %q (error: %v)", got, c.want, err)
			}
		})
	}
}

func TestParseSearchAcceptsBoundaries(t *testing.T) {
	cases := []struct {
		name string
		legs []domain.LegInput
		pax  int
		now  time.Time // zero: now
	}{
		{"today is not the past", []domain.LegInput{leg("2026-12-01")}, 1, time.Time{}},
		{"today at the last second of the day", []domain.LegInput{leg("2026-12-01")}, 1, time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)},
		{"today at midnight", []domain.LegInput{leg("2026-12-01")}, 1, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		// 20:00 in New York on 30 November is already 1 December in UTC.
		{"today in UTC though tomorrow locally", []domain.LegInput{leg("2026-12-01")}, 1,
			time.Date(2026, 11, 30, 20, 0, 0, 0, time.FixedZone("EST", -5*3600))},
		{"exactly 366 days ahead", []domain.LegInput{leg("2027-12-02")}, 1, time.Time{}},
		{"passenger count 1", legs(1), 1, time.Time{}},
		{"passenger count 9", legs(1), 9, time.Time{}},
		{"exactly six legs", legs(6), 2, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := c.now
			if at.IsZero() {
				at = now
			}
			s, err := domain.ParseSearch(c.legs, c.pax, at)
			if err != nil {
				t.Fatalf("ParseSearch: %v", err)
			}
			if len(s.Legs) != len(c.legs) || s.Passengers != c.pax {
				t.Fatalf("got %d legs and %d passengers, want %d and %d", len(s.Legs), s.Passengers, len(c.legs), c.pax)
			}
		})
	}
}

func TestParseSearchMultiLeg(t *testing.T) {
	in := []domain.LegInput{
		{Origin: "JFK", Destination: "LHR", Date: "2026-12-10"},
		{Origin: "LHR", Destination: "CDG", Date: "2026-12-12"},
		{Origin: "CDG", Destination: "JFK", Date: "2026-12-20"},
	}
	// A pinned moment away from UTC must not move the dates.
	got, err := domain.ParseSearch(in, 3, now.In(time.FixedZone("JST", 9*3600)))
	if err != nil {
		t.Fatalf("ParseSearch: %v", err)
	}
	want := domain.Search{Passengers: 3, Legs: []domain.Leg{
		{Origin: "JFK", Destination: "LHR", Date: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)},
		{Origin: "LHR", Destination: "CDG", Date: time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC)},
		{Origin: "CDG", Destination: "JFK", Date: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)},
	}}
	if got.Passengers != want.Passengers || len(got.Legs) != len(want.Legs) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i, l := range got.Legs {
		w := want.Legs[i]
		if l.Origin != w.Origin || l.Destination != w.Destination || !l.Date.Equal(w.Date) || l.Date.Location() != time.UTC {
			t.Errorf("legs[%d] = %s-%s %v (%v), want %s-%s %v at UTC midnight",
				i, l.Origin, l.Destination, l.Date, l.Date.Location(), w.Origin, w.Destination, w.Date)
		}
	}
}

func TestParseAirportCode(t *testing.T) {
	for _, s := range []string{"JFK", "LHR", "AAA", "ZZZ"} {
		if got, err := domain.ParseAirportCode(s); err != nil || string(got) != s {
			t.Errorf("ParseAirportCode(%q) = %q, %v; want it accepted", s, got, err)
		}
	}
	for _, s := range []string{"", "J", "JF", "JFKL", "jfk", "JfK", "J1K", "J K", "JF-", "ÅBC"} {
		if got, err := domain.ParseAirportCode(s); err == nil {
			t.Errorf("ParseAirportCode(%q) = %q, want an error", s, got)
		}
	}
}

func TestCheckAirports(t *testing.T) {
	search := func(ls ...[2]domain.AirportCode) domain.Search {
		s := domain.Search{Passengers: 1}
		for _, l := range ls {
			s.Legs = append(s.Legs, domain.Leg{Origin: l[0], Destination: l[1], Date: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)})
		}
		return s
	}
	served := map[domain.AirportCode]bool{"JFK": true, "LHR": true, "CDG": true}
	known := func(c domain.AirportCode) bool { return served[c] }
	cases := []struct {
		name   string
		search domain.Search
		want   []string // nil: no error
	}{
		{"all served", search([2]domain.AirportCode{"JFK", "LHR"}, [2]domain.AirportCode{"LHR", "CDG"}), nil},
		{"unknown origin", search([2]domain.AirportCode{"XXX", "LHR"}), []string{"legs[0].origin_airport_code"}},
		{"unknown destination", search([2]domain.AirportCode{"JFK", "ZZZ"}), []string{"legs[0].destination_airport_code"}},
		{"both unknown", search([2]domain.AirportCode{"XXX", "ZZZ"}),
			[]string{"legs[0].destination_airport_code", "legs[0].origin_airport_code"}},
		{"unknown on the second leg only", search([2]domain.AirportCode{"JFK", "LHR"}, [2]domain.AirportCode{"LHR", "QQQ"}),
			[]string{"legs[1].destination_airport_code"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.search.CheckAirports(known)
			if c.want == nil {
				if err != nil {
					t.Fatalf("CheckAirports: %v", err)
				}
				return
			}
			if got := fieldKeys(t, err); !slices.Equal(got, c.want) {
				t.Fatalf("field keys %q, want %q", got, c.want)
			}
		})
	}
}

func TestValidationErrorListsFieldsInOrder(t *testing.T) {
	err := &domain.ValidationError{Fields: map[string]string{"passenger_count": "bad", "legs[0].date": "bad too"}}
	if got, want := err.Error(), "invalid request: legs[0].date: bad too; passenger_count: bad"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got := err.FieldErrors(); len(got) != 2 || got["passenger_count"] != "bad" {
		t.Fatalf("FieldErrors() = %v", got)
	}
}
