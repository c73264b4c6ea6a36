package domain

import (
	"fmt"
	"time"

	"github.com/altisair/altis/pkg/platform/validation"
	"github.com/altisair/altis/pkg/pricing"
)

// Search limits.
const (
	MaxLegs       = 6
	MaxPassengers = 9
	MaxDaysAhead  = 366
)

// AirportCode is a three-letter IATA code.
type AirportCode string

// ParseAirportCode accepts exactly three upper-case letters.
func ParseAirportCode(s string) (AirportCode, error) {
	if len(s) != 3 {
		return "", fmt.Errorf("must be a 3-letter IATA airport code")
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return "", fmt.Errorf("must be a 3-letter IATA airport code in upper case")
		}
	}
	return AirportCode(s), nil
}

// Leg is one origin, destination and UTC departure date.
type Leg struct {
	Origin, Destination AirportCode
	Date                time.Time // midnight UTC
}

// Search is a validated flight search.
type Search struct {
	Legs       []Leg
	Passengers int
}

// LegInput is a leg as received, before validation.
type LegInput struct {
	Origin, Destination, Date string
}

// ParseSearch validates raw input against today's UTC date and returns every
// problem at once, keyed by field path (e.g. "legs[0].date").
func ParseSearch(legs []LegInput, passengers int, now time.Time) (Search, error) {
	errs := validation.Fields{}
	switch {
	case len(legs) == 0:
		errs.Add("legs", "at least one leg is required")
	case len(legs) > MaxLegs:
		errs.Add("legs", fmt.Sprintf("at most %d legs are allowed", MaxLegs))
	}
	if passengers < 1 || passengers > MaxPassengers {
		errs.Add("passenger_count", fmt.Sprintf("must be between 1 and %d", MaxPassengers))
	}
	s := Search{Passengers: passengers}
	if len(legs) <= MaxLegs {
		today := now.UTC().Truncate(24 * time.Hour)
		for i, in := range legs {
			s.Legs = append(s.Legs, parseLeg(in, fmt.Sprintf("legs[%d].", i), today, errs))
		}
	}
	return s, errs.Err()
}

func parseLeg(in LegInput, path string, today time.Time, errs validation.Fields) Leg {
	var leg Leg
	var err error
	if leg.Origin, err = ParseAirportCode(in.Origin); err != nil {
		errs.Add(path+"origin_airport_code", err.Error())
	}
	if leg.Destination, err = ParseAirportCode(in.Destination); err != nil {
		errs.Add(path+"destination_airport_code", err.Error())
	}
	if leg.Origin != "" && leg.Origin == leg.Destination {
		errs.Add(path+"destination_airport_code", "must differ from the origin")
	}
	leg.Date, err = parseDate(in.Date, today)
	if err != nil {
		errs.Add(path+"date", err.Error())
	}
	return leg
}

func parseDate(s string, today time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return d, fmt.Errorf("must be a date as YYYY-MM-DD")
	}
	if d.Before(today) {
		return d, fmt.Errorf("must not be in the past (dates are UTC)")
	}
	if d.After(today.AddDate(0, 0, MaxDaysAhead)) {
		return d, fmt.Errorf("must be within %d days", MaxDaysAhead)
	}
	return d, nil
}

// CheckAirports reports legs whose airports no indexed flight serves.
func (s Search) CheckAirports(known func(AirportCode) bool) error {
	errs := validation.Fields{}
	for i, l := range s.Legs {
		if !known(l.Origin) {
			errs.Add(fmt.Sprintf("legs[%d].origin_airport_code", i), "unknown airport "+string(l.Origin))
		}
		if !known(l.Destination) {
			errs.Add(fmt.Sprintf("legs[%d].destination_airport_code", i), "unknown airport "+string(l.Destination))
		}
	}
	return errs.Err()
}

// Flight is an indexed flight as search sees it.
type Flight struct {
	ID, Number             string
	Origin, Destination    AirportCode
	DepartureAt, ArrivalAt time.Time
	Aircraft, AircraftName string
	Status, Currency       string
	Fares                  map[string]int64
	Capacity, Sold, Held   int
}

// Available is what is left to sell: capacity − sold − held, never negative.
func (f Flight) Available() int {
	return max(f.Capacity-f.Sold-f.Held, 0)
}

// Bookable tells whether search may show the flight to a party of n at now:
// scheduled, not departed, with n seats left.
func (f Flight) Bookable(n int, now time.Time) bool {
	return f.Status == "SCHEDULED" && f.DepartureAt.After(now) && f.Available() >= n
}

// LowestCabin is the cheapest cabin the flight sells, which search prices.
func (f Flight) LowestCabin() (string, bool) { return pricing.LowestCabin(f.Fares) }
