package schedule

import (
	"fmt"
	"math"
)

// Route is one direction of an airport pair with its daily service.
type Route struct {
	Origin, Destination string           // IATA codes
	Aircraft            string           // aircraft code
	DailyFlights        int              // departures a day at Scale 1, at most 10
	Currency            string           // ISO 4217, by the origin's country
	Fares               map[string]int64 // per cabin code, minor units per adult
	FirstFlightNumber   int              // the day's flights are numbered FirstFlightNumber+0, +1, …
}

// link is an airport pair flown in both directions with the same service.
type link struct {
	a, b     string
	aircraft string
	daily    int
}

// maxDailyFlights is the size of each route's block of flight numbers.
const maxDailyFlights = 10

// links is the network: hubs at JFK, LHR, DXB and SIN plus regional spokes.
var links = []link{
	// Transatlantic
	{"JFK", "LHR", "B77W", 4},
	{"BOS", "LHR", "B789", 2},
	{"ORD", "LHR", "B789", 2},
	{"LAX", "LHR", "A359", 2},
	{"JFK", "CDG", "B789", 2},
	{"ATL", "AMS", "A359", 1},
	{"MIA", "MAD", "B789", 1},
	// North America
	{"JFK", "LAX", "A320", 6},
	{"JFK", "ORD", "B738", 6},
	{"JFK", "ATL", "B738", 5},
	{"JFK", "MIA", "A320", 5},
	{"JFK", "BOS", "A320", 6},
	{"ORD", "DEN", "B738", 5},
	{"ATL", "DFW", "B738", 5},
	{"SEA", "SFO", "A320", 5},
	{"YYZ", "YUL", "A320", 6},
	{"SEA", "YVR", "B738", 3},
	// Europe
	{"LHR", "CDG", "A320", 6},
	{"LHR", "FRA", "A320", 5},
	{"LHR", "AMS", "A320", 5},
	{"LHR", "FCO", "A320", 3},
	{"LHR", "ZRH", "A320", 4},
	{"LHR", "DUB", "A320", 5},
	{"FRA", "MUC", "A320", 5},
	{"CDG", "BCN", "A320", 3},
	{"MAD", "LIS", "B738", 3},
	{"MAN", "AMS", "B738", 3},
	// Middle East
	{"DXB", "LHR", "B77W", 3},
	{"DXB", "JFK", "B77W", 1},
	{"DXB", "DEL", "B789", 2},
	{"DXB", "SIN", "B77W", 1},
	{"AUH", "LHR", "B789", 2},
	// Asia
	{"HND", "LAX", "B789", 1},
	{"HND", "SIN", "B789", 2},
	{"HND", "KIX", "B738", 4},
	{"SIN", "LHR", "A359", 2},
	{"DEL", "BOM", "A320", 6},
	{"NRT", "JFK", "B77W", 1},
	// Oceania
	{"SYD", "MEL", "A320", 8},
	{"SYD", "BNE", "B738", 6},
	{"MEL", "PER", "B738", 2},
	{"SIN", "SYD", "A359", 2},
	{"SYD", "LAX", "B789", 1},
	// Africa
	{"JNB", "CPT", "B738", 5},
	{"JNB", "LHR", "A359", 1},
	// South America
	{"GRU", "GIG", "A320", 6},
	{"GRU", "MIA", "B789", 1},
	{"GRU", "LIS", "A359", 1},
}

// Routes returns every directional route: each link outbound then inbound.
// Link i's outbound flights are numbered from 101+20i, inbound from 111+20i,
// so JFK-LHR is AL101-AL104 and LHR-JFK AL111-AL114.
func Routes() []Route {
	routes := make([]Route, 0, 2*len(links))
	for i, l := range links {
		first := 101 + 20*i
		routes = append(routes,
			newRoute(l.a, l.b, l.aircraft, l.daily, first),
			newRoute(l.b, l.a, l.aircraft, l.daily, first+maxDailyFlights))
	}
	return routes
}

func newRoute(origin, destination, aircraft string, daily, first int) Route {
	o, okO := AirportByCode(origin)
	d, okD := AirportByCode(destination)
	ac, okA := AircraftByCode(aircraft)
	if !okO || !okD || !okA {
		panic(fmt.Sprintf("schedule: bad link %s-%s %s", origin, destination, aircraft))
	}
	cur := currencyByCountry[o.Country]
	return Route{
		Origin:            origin,
		Destination:       destination,
		Aircraft:          aircraft,
		DailyFlights:      daily,
		Currency:          cur,
		Fares:             fares(distanceKm(o, d), cur, ac.cabinCodes()),
		FirstFlightNumber: first,
	}
}

// distanceKm is the great-circle (haversine) distance, rounded to whole
// kilometres so that everything derived from it is integer arithmetic.
func distanceKm(a, b Airport) int64 {
	const earthRadiusKm = 6371.0
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	dLat, dLon := rad(b.Lat-a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return int64(math.Round(2 * earthRadiusKm * math.Asin(math.Sqrt(h))))
}

// blockMinutes is distance at 800 km/h plus 30 minutes of taxi, rounded to
// the nearest 5 minutes.
func blockMinutes(km int64) int64 {
	m := (km*60+400)/800 + 30
	return (m + 2) / 5 * 5
}
