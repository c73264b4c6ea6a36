package trip

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/pricing"
)

// ParseID accepts a UUID in its 36-character form, either case, and
// returns it in lower case.
func ParseID(s string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", fmt.Errorf("must be a UUID like 3f2504e0-4f89-41d3-9a0c-0305e82c3301")
	}
	return u.String(), nil
}

// ParseFlightIDs checks a trip's flight list: 1 to MaxFlights UUIDs, no
// flight twice. Every problem is reported at once, by list position.
func ParseFlightIDs(raw []string) ([]string, error) {
	f := Fields{}
	switch {
	case len(raw) == 0:
		f.Add("flight_ids", "at least one flight is required")
	case len(raw) > MaxFlights:
		f.Add("flight_ids", fmt.Sprintf("at most %d flights are allowed", MaxFlights))
	}
	ids := make([]string, len(raw))
	seen := map[string]bool{}
	for i, s := range raw {
		field := fmt.Sprintf("flight_ids[%d]", i)
		id, err := ParseID(s)
		switch {
		case err != nil:
			f.Add(field, err.Error())
		case seen[id]:
			f.Add(field, "is listed twice")
		}
		seen[id], ids[i] = true, id
	}
	return ids, f.Err()
}

// CheckBookable reports, by list position, any flight that is unknown,
// not scheduled or already departed at now.
func CheckBookable(ids []string, found map[string]Flight, now time.Time) error {
	f := Fields{}
	for i, id := range ids {
		field := fmt.Sprintf("flight_ids[%d]", i)
		fl, ok := found[id]
		switch {
		case !ok:
			f.Add(field, "no such flight")
		case fl.Status != "SCHEDULED":
			f.Add(field, "the flight is not for sale ("+strings.ToLower(fl.Status)+")")
		case !fl.DepartureAt.After(now):
			f.Add(field, "the flight has departed")
		}
	}
	return f.Err()
}

// SeatNumber is a row (1–99) and a seat letter, e.g. "12A".
type SeatNumber string

// ParseSeatNumber accepts "1A" to "99Z".
func ParseSeatNumber(s string) (SeatNumber, error) {
	n := len(s)
	ok := n >= 2 && n <= 3 && s[0] >= '1' && s[0] <= '9' && s[n-1] >= 'A' && s[n-1] <= 'Z' &&
		(n == 2 || (s[1] >= '0' && s[1] <= '9'))
	if !ok {
		return "", fmt.Errorf("must be a row number and a seat letter, like 12A")
	}
	return SeatNumber(s), nil
}

// Name is a validated first or last name.
type Name string

// MaxNameRunes bounds a name's length.
const MaxNameRunes = 50

// ParseName accepts 1 to MaxNameRunes characters: letters of any script
// (accents included), with single spaces, hyphens and apostrophes between
// them. Surrounding spaces are trimmed.
func ParseName(s string) (Name, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "", fmt.Errorf("must be valid UTF-8")
	case n == 0:
		return "", fmt.Errorf("is required")
	case n > MaxNameRunes:
		return "", fmt.Errorf("must be at most %d characters", MaxNameRunes)
	}
	prevSep := true // a name starts with a letter
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			prevSep = false
		case unicode.Is(unicode.Mn, r) && !prevSep: // combining accents
		case r == ' ' || r == '-' || r == '\'' || r == '’':
			if prevSep {
				return "", fmt.Errorf("may only contain letters, with single spaces, hyphens or apostrophes between them")
			}
			prevSep = true
		default:
			return "", fmt.Errorf("may only contain letters, spaces, hyphens and apostrophes")
		}
	}
	if prevSep {
		return "", fmt.Errorf("must end with a letter")
	}
	return Name(s), nil
}

// ParsePassenger validates a passenger's names and type, every problem at
// once.
func ParsePassenger(id, first, last, typ string) (Passenger, error) {
	f := Fields{}
	p := Passenger{ID: id}
	var err error
	if p.FirstName, err = ParseName(first); err != nil {
		f.Add("first_name", err.Error())
	}
	if p.LastName, err = ParseName(last); err != nil {
		f.Add("last_name", err.Error())
	}
	if p.Type, err = pricing.ParsePassengerType(typ); err != nil {
		f.Add("passenger_type", "must be ADULT, CHILD or INFANT")
	}
	return p, f.Err()
}
