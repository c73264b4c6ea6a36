package pricing

import (
	"testing"
)

// benchFlights is a mixed schedule: transatlantic flights in and out of the
// sale, other routes and currencies, cabins and loads across the bands.
func benchFlights() []Flight {
	routes := [][2]string{{"JFK", "LHR"}, {"LHR", "JFK"}, {"LHR", "CDG"}, {"SIN", "NRT"}, {"DXB", "JNB"}}
	currencies := []string{"USD", "GBP", "EUR", "SGD", "AED"}
	cabins := []string{"F", "J", "W", "Y"}
	flights := make([]Flight, 100)
	for i := range flights {
		r := i % len(routes)
		flights[i] = Flight{
			FlightID: "AL" + string(rune('A'+i%26)) + string(rune('A'+i/26)),
			Origin:   routes[r][0], Destination: routes[r][1], Cabin: cabins[i%len(cabins)],
			BaseFare: 40000 + int64(i)*137, Currency: currencies[r],
			Departure: now.Add(days(i % 60)), Capacity: 200, Sold: (i * 7) % 200,
		}
	}
	return flights
}

func BenchmarkPrice100Flights(b *testing.B) {
	e := mustNew(b, defaultConfig())
	flights := benchFlights()
	b.ReportAllocs()
	for b.Loop() {
		for i := range flights {
			if _, err := e.Price(flights[i], Adult, now); err != nil {
				b.Fatal(err)
			}
		}
	}
}
