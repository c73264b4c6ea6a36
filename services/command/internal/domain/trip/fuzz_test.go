package trip

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for the request parsers: `make fuzz` runs them for long,
// `make test` briefly. Each asserts no panic, that what is accepted is
// canonical (parsing it again gives it back) and meets the rule, and that
// what is refused is a field-level validation error (a 400), never more.

var seatPattern = regexp.MustCompile(`^[1-9][0-9]?[A-Z]$`)

func FuzzParseSeatNumber(f *testing.F) {
	for _, s := range []string{"1A", "9K", "12C", "99Z", "", "A", "1", "0A", "01A", "100A", "1a", "12AB", "1 A", "١A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSeatNumber(s)
		if accepted := err == nil; accepted != seatPattern.MatchString(s) {
			t.Fatalf("ParseSeatNumber(%q) = %q, %v; the rule says accepted=%v", s, n, err, !accepted)
		}
		if err == nil && string(n) != s {
			t.Fatalf("ParseSeatNumber(%q) = %q", s, n)
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"Jane", "José", "Zoë", "O'Brien", "Anne-Marie", "van der Berg", "D’Angelo", "Łukasz",
		"Nguyễn", "  Jo  ", "李", strings.Repeat("a", 50), "", "   ", "J4ne", "-Jane", "Jane-", "Jane  Doe",
		"Jane--Doe", "Robert'); DROP", "<b>", "a\x00b", strings.Repeat("a", 51), "\xff", "e\u0301"} {
		f.Add(s, "Doe", "ADULT")
	}
	f.Add("Jane", "Doe", "CHILD")
	f.Add("Jane", "", "infant")
	f.Fuzz(func(t *testing.T, first, last, typ string) {
		n, err := ParseName(first)
		if err == nil {
			checkName(t, first, n)
		}
		p, err := ParsePassenger("p1", first, last, typ)
		if err != nil {
			wantFields(t, err, "first_name", "last_name", "passenger_type")
			return
		}
		checkName(t, first, p.FirstName)
		checkName(t, last, p.LastName)
	})
}

// checkName holds an accepted name to the rule: trimmed, 1 to
// MaxNameRunes runes of valid UTF-8, a letter at each end, and canonical.
func checkName(t *testing.T, in string, n Name) {
	t.Helper()
	s := string(n)
	first, _ := utf8.DecodeRuneInString(s)
	count := utf8.RuneCountInString(s)
	switch {
	case s != strings.TrimSpace(in):
		t.Fatalf("ParseName(%q) = %q, not the trimmed input", in, s)
	case !utf8.ValidString(s) || count < 1 || count > MaxNameRunes:
		t.Fatalf("ParseName(%q) = %q: %d runes", in, s, count)
	case strings.ContainsAny(string(first), " -'’") || strings.HasSuffix(s, " ") || strings.HasSuffix(s, "-"):
		t.Fatalf("ParseName(%q) = %q: a separator at an end", in, s)
	}
	if again, err := ParseName(s); err != nil || again != n {
		t.Fatalf("ParseName(%q) = %q, %v; want it back", s, again, err)
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// FuzzParseFlightIDs reads its input as a comma-separated list.
func FuzzParseFlightIDs(f *testing.F) {
	const f1, f2 = "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "3f2504e0-4f89-41d3-9a0c-0305e82c3302"
	for _, s := range []string{f1, f1 + "," + f2, "", f1 + "," + f2 + "," + f1, "nope," + f1 + ",{" + f2 + "}",
		f1 + "," + strings.ToUpper(f1), "a,b,c,d,e,f,g", "urn:uuid:" + f1, strings.ReplaceAll(f1, "-", "")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		var raw []string
		if list != "" {
			raw = strings.Split(list, ",")
		}
		ids, err := ParseFlightIDs(raw)
		if err != nil {
			var v *ValidationError
			if !errors.As(err, &v) || len(v.Fields) == 0 {
				t.Fatalf("ParseFlightIDs(%q): %v is not a validation error", raw, err)
			}
			return
		}
		if len(ids) == 0 || len(ids) > MaxFlights || len(ids) != len(raw) {
			t.Fatalf("ParseFlightIDs(%q) = %d ids", raw, len(ids))
		}
		seen := map[string]bool{}
		for i, id := range ids {
			if !uuidPattern.MatchString(id) || !strings.EqualFold(id, raw[i]) || seen[id] {
				t.Fatalf("ParseFlightIDs(%q)[%d] = %q: not the canonical, unique form of the input", raw, i, id)
			}
			seen[id] = true
		}
	})
}

// wantFields fails unless err is a validation error naming only fields
// among allowed.
func wantFields(t *testing.T, err error, allowed ...string) {
	t.Helper()
	var v *ValidationError
	if !errors.As(err, &v) || len(v.Fields) == 0 {
		t.Fatalf("%v is not a validation error", err)
	}
	for field := range v.Fields {
		if !strings.Contains(strings.Join(allowed, " "), field) {
			t.Fatalf("%v names %q, not one of %v", err, field, allowed)
		}
	}
}
