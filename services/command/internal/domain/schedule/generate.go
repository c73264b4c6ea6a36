package schedule

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"time"
)

// DefaultDays is the number of days a seed schedule covers by default.
const DefaultDays = 30

// ErrInvalidOptions is returned by Generate for options it cannot honour.
var ErrInvalidOptions = errors.New("schedule: invalid options")

// Options selects which flights Generate produces.
type Options struct {
	// Start's calendar date (in Start's own location) is the local departure
	// date of the first day's flights at every origin.
	Start time.Time
	Days  int // >= 1; see DefaultDays
	// Scale >= 1 multiplies every route's daily frequency. The extra flights
	// get distinct numbers (copy s of AL101 is AL(s*10000+101)) and Scale 1's
	// flights keep their numbers, times and ids at any Scale.
	Scale int
}

// DefaultOptions is DefaultDays of flights at Scale 1 from start's date.
func DefaultOptions(start time.Time) Options {
	return Options{Start: start, Days: DefaultDays, Scale: 1}
}

// Flight is one dated departure.
type Flight struct {
	ID                  string // FlightID(Number, local departure date)
	Number              string // e.g. "AL101"
	Origin, Destination string
	Departure, Arrival  time.Time // UTC
	Aircraft            string
	Currency            string
	Fares               map[string]int64 // per cabin code, minor units per adult
}

const (
	airlineCode      = "AL"
	firstDepartureAt = 6 * 60  // minutes after local midnight
	departureSpan    = 16 * 60 // departures fall within 16 hours of the first
	scaleNumberStep  = 10_000  // flight number offset of each extra copy
)

// Generate returns the flights of opt's days, sorted by departure then
// flight number. The same opt always gives the same flights.
func Generate(opt Options) ([]Flight, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	plans, err := planRoutes(Routes(), opt.Scale)
	if err != nil {
		return nil, err
	}
	y, m, d := opt.Start.Date()
	flights := make([]Flight, 0, opt.Days*dailyFlights(plans))
	for day := range opt.Days {
		date := time.Date(y, m, d+day, 0, 0, 0, 0, time.UTC)
		for _, p := range plans {
			flights = p.appendDay(flights, date)
		}
	}
	slices.SortFunc(flights, compareFlights)
	return flights, nil
}

func dailyFlights(plans []routePlan) int {
	n := 0
	for _, p := range plans {
		n += len(p.minutes)
	}
	return n
}

func (o Options) validate() error {
	switch {
	case o.Start.IsZero():
		return fmt.Errorf("%w: start date is not set", ErrInvalidOptions)
	case o.Days < 1:
		return fmt.Errorf("%w: days %d, want at least 1", ErrInvalidOptions, o.Days)
	case o.Scale < 1:
		return fmt.Errorf("%w: scale %d, want at least 1", ErrInvalidOptions, o.Scale)
	}
	return nil
}

// routePlan is a route's daily pattern: each departure's local minute of the
// day, flight number and block time.
type routePlan struct {
	route   Route
	loc     *time.Location
	block   time.Duration
	minutes []int
	numbers []string
}

func planRoutes(routes []Route, scale int) ([]routePlan, error) {
	plans := make([]routePlan, len(routes))
	for i, r := range routes {
		p, err := planRoute(r, scale)
		if err != nil {
			return nil, err
		}
		plans[i] = p
	}
	return plans, nil
}

func planRoute(r Route, scale int) (routePlan, error) {
	o, _ := AirportByCode(r.Origin)
	d, _ := AirportByCode(r.Destination)
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return routePlan{}, fmt.Errorf("schedule: time zone of %s: %w", o.Code, err)
	}
	p := routePlan{route: r, loc: loc, block: time.Duration(blockMinutes(distanceKm(o, d))) * time.Minute}
	n := r.DailyFlights * scale
	for slot := range n {
		p.minutes = append(p.minutes, departureMinute(r, slot, n))
		p.numbers = append(p.numbers, flightNumber(r, slot, scale))
	}
	return p, nil
}

// departureMinute spreads n departures evenly over the local day from 06:00
// plus a per-route offset of 0-40 minutes, on a 5-minute grid. Slot j*scale
// lands where slot j does at Scale 1.
func departureMinute(r Route, slot, n int) int {
	offset := int(routeHash(r)%9) * 5
	return firstDepartureAt + offset + slot*departureSpan/n/5*5
}

// flightNumber numbers slot j*scale+s as copy s of the route's j-th flight.
func flightNumber(r Route, slot, scale int) string {
	j, s := slot/scale, slot%scale
	return airlineCode + strconv.Itoa(s*scaleNumberStep+r.FirstFlightNumber+j)
}

func routeHash(r Route) uint32 {
	h := fnv.New32a()
	h.Write([]byte(r.Origin + "-" + r.Destination))
	return h.Sum32()
}

func (p routePlan) appendDay(flights []Flight, date time.Time) []Flight {
	localDate := date.Format(time.DateOnly)
	for i, minute := range p.minutes {
		dep := time.Date(date.Year(), date.Month(), date.Day(), minute/60, minute%60, 0, 0, p.loc).UTC()
		flights = append(flights, Flight{
			ID:          FlightID(p.numbers[i], localDate),
			Number:      p.numbers[i],
			Origin:      p.route.Origin,
			Destination: p.route.Destination,
			Departure:   dep,
			Arrival:     dep.Add(p.block),
			Aircraft:    p.route.Aircraft,
			Currency:    p.route.Currency,
			Fares:       maps.Clone(p.route.Fares),
		})
	}
	return flights
}

// compareFlights orders by departure, then by flight number: numbers have no
// leading zeros, so shorter is smaller.
func compareFlights(a, b Flight) int {
	return cmp.Or(
		a.Departure.Compare(b.Departure),
		cmp.Compare(len(a.Number), len(b.Number)),
		cmp.Compare(a.Number, b.Number),
	)
}
