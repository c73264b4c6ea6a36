package http_test

import (
	"time"

	"github.com/altisair/altis/services/query/internal/domain"
)

// at is a UTC moment on the given December 2026 day.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 12, day, hour, minute, 0, 0, time.UTC)
}

// flight is a SCHEDULED A350 flight in USD, economy 500.00 and business
// 2500.00, seven hours long, 20 of 200 seats sold (no load-factor band).
func flight(id, number, origin, destination string, departure time.Time, change ...func(*domain.Flight)) domain.Flight {
	f := domain.Flight{
		ID: id, Number: number,
		Origin: domain.AirportCode(origin), Destination: domain.AirportCode(destination),
		DepartureAt: departure, ArrivalAt: departure.Add(7 * time.Hour),
		Aircraft: "A359", AircraftName: "Airbus A350-900",
		Status: "SCHEDULED", Currency: "USD",
		Fares:    map[string]int64{"Y": 50000, "J": 250000},
		Capacity: 200, Sold: 20,
	}
	for _, c := range change {
		c(&f)
	}
	return f
}

func sold(n int) func(*domain.Flight) { return func(f *domain.Flight) { f.Sold = n } }

func status(s string) func(*domain.Flight) { return func(f *domain.Flight) { f.Status = s } }

func fares(m map[string]int64) func(*domain.Flight) { return func(f *domain.Flight) { f.Fares = m } }

// euroShortHaul makes a flight an A320 in EUR, economy 120.00, 1h15.
func euroShortHaul(f *domain.Flight) {
	f.Currency, f.Fares = "EUR", map[string]int64{"Y": 12000}
	f.Aircraft, f.AircraftName = "A320", "Airbus A320"
	f.ArrivalAt = f.DepartureAt.Add(75 * time.Minute)
}

// Flight ids are UUIDs, as the seat map route requires.
const (
	idJFKLHR0800 = "c3a1f2de-0b4e-4f6a-9a57-5d1e8f000001"
	idJFKLHR1400 = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a000002"
	idJFKLHR1900 = "7b6a5948-3726-4154-a392-817f6e000003"
	idLHRCDG0900 = "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3000004"
	idLHRJFK1000 = "9f8e7d6c-5b4a-4392-8170-6f5e4d000005"
	idUnknown    = "11111111-2222-4333-8444-555555555555"
)

// est is New York in winter: the index may hand out non-UTC times.
var est = time.FixedZone("EST", -5*3600)

// jfkLHR are the JFK-LHR flights of 10 December in the index's order (by
// departure; neither their numbers nor their ids are in that order). The
// 08:00 flight's times are in EST. The 19:00 flight sells business only.
func jfkLHR() []domain.Flight {
	return []domain.Flight{
		flight(idJFKLHR0800, "AL107", "JFK", "LHR", at(10, 8, 0).In(est)),
		flight(idJFKLHR1400, "AL101", "JFK", "LHR", at(10, 14, 0), sold(150)),
		flight(idJFKLHR1900, "AL104", "JFK", "LHR", at(10, 19, 0), fares(map[string]int64{"J": 250000, "F": 600000})),
	}
}

// standardIndex holds JFK-LHR and LHR-CDG on 10 December and LHR-JFK on
// 17 December; CDG-LHR is served but has no flight on 11 December.
func standardIndex() *fakeIndex {
	return newFakeIndex().
		add(jfkLHR()...).
		add(flight(idLHRCDG0900, "AL300", "LHR", "CDG", at(10, 9, 0), euroShortHaul)).
		add(flight(idLHRJFK1000, "AL108", "LHR", "JFK", at(17, 10, 0)))
}
