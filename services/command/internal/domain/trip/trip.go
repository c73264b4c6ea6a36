// Package trip holds the rules of a trip hold: which flights a trip may
// hold, who may travel on it, and how many seats it may lock per flight.
// A trip is owned by one guest, priced once when it is held (the quote is
// locked for the hold's life) and lives until its expiry.
package trip

import (
	"time"

	"github.com/altisair/altis/pkg/pricing"
)

// Limits of a trip.
const (
	MaxFlights = 6
	MaxSeated  = 9 // adults and children; infants ride on a lap
)

// Flight is what a trip keeps of each flight it holds.
type Flight struct {
	ID, Number          string
	Origin, Destination string
	DepartureAt         time.Time
	ArrivalAt           time.Time
	Aircraft            string
	Status              string
	Currency            string
	Fares               map[string]int64 // base fare per cabin code
	Capacity, Sold      int
}

// Passenger is a traveller named on a trip.
type Passenger struct {
	ID        string
	FirstName Name
	LastName  Name
	Type      pricing.PassengerType
}

// Seat is a seat a trip holds on one of its flights.
type Seat struct {
	FlightID string
	Number   SeatNumber
}

// Trip is a guest's hold on an itinerary.
type Trip struct {
	ID         string
	Owner      string // the guest id
	Flights    []Flight
	Quote      pricing.Quote // locked at CreatedAt for the hold's life
	Passengers []Passenger
	Seats      []Seat
	CreatedAt  time.Time
	ExpiresAt  time.Time
	Version    int64 // grows with every change of the trip record
}

// HasFlight reports whether the trip holds the flight.
func (t Trip) HasFlight(id string) (Flight, bool) {
	for _, f := range t.Flights {
		if f.ID == id {
			return f, true
		}
	}
	return Flight{}, false
}

// Seated counts the passengers who need a seat (adults and children).
func (t Trip) Seated() int {
	n := 0
	for _, p := range t.Passengers {
		if p.Type != pricing.Infant {
			n++
		}
	}
	return n
}

// SeatLimit is how many seats the trip may hold on each flight: one per
// seated passenger, and one while no passenger is named yet (the guest
// travelling alone).
func (t Trip) SeatLimit() int { return max(t.Seated(), 1) }

// Allowance is how many seats the trip may hold in all: what counts
// against a guest's seat cap.
func (t Trip) Allowance() int { return len(t.Flights) * t.SeatLimit() }

// PassengerTypes lists the party the quote prices: the named passengers,
// or one adult while none is named.
func (t Trip) PassengerTypes() []pricing.PassengerType {
	if len(t.Passengers) == 0 {
		return []pricing.PassengerType{pricing.Adult}
	}
	out := make([]pricing.PassengerType, len(t.Passengers))
	for i, p := range t.Passengers {
		out[i] = p.Type
	}
	return out
}

// Expired reports whether the hold is over at now.
func (t Trip) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// AddPassenger names one more traveller: at most MaxSeated seated
// passengers and no more infants than adults.
func (t *Trip) AddPassenger(p Passenger) error {
	adults, infants := 0, 0
	for _, q := range append(t.Passengers, p) {
		switch q.Type {
		case pricing.Adult:
			adults++
		case pricing.Infant:
			infants++
		}
	}
	switch {
	case p.Type != pricing.Infant && t.Seated()+1 > MaxSeated:
		return passengerLimit("a trip seats at most 9 passengers (adults and children)")
	case infants > adults:
		return passengerLimit("each infant travels on an adult's lap: add an adult first")
	}
	t.Passengers = append(t.Passengers, p)
	return nil
}

// Summary is what a seat hold needs to know of a trip.
type Summary struct {
	ID        string
	ExpiresAt time.Time
	Open      bool
	SeatLimit int
	Aircraft  map[string]string // flight id → aircraft code, for every flight of the trip
}
