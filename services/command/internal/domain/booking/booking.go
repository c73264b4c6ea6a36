// Package booking holds the rules that turn a held trip into a confirmed
// booking: who travels, in which seats, at what price, and what may be
// cancelled.
package booking

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/services/command/internal/domain/payment"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

// Statuses of a booking.
const (
	Confirmed = "CONFIRMED"
	Cancelled = "CANCELLED"
)

// Errors of the booking rules; the HTTP port maps each to one answer.
var (
	ErrNotFound    = errors.New("booking not found")
	ErrSeatTaken   = errors.New("a seat of this booking was sold to someone else")
	ErrSoldOut     = errors.New("the flight has no seat left")
	ErrSeatNotHeld = errors.New("a listed seat is not held by this trip")
)

// Passenger is a traveller of a booking with a seat on each flight (none
// for an infant).
type Passenger struct {
	ID        string
	FirstName trip.Name
	LastName  trip.Name
	Type      pricing.PassengerType
	Seats     []trip.Seat
}

// Booking is a confirmed (or cancelled) trip.
type Booking struct {
	ID, Reference string
	Owner, TripID string
	Email         Email
	Status        string
	Passengers    []Passenger
	Quote         pricing.Quote // the trip's locked quote for exactly this party
	Charges       []Payment
	CreatedAt     time.Time
	CancelledAt   time.Time // zero while confirmed
}

// Payment is one charge of a booking (one per currency of its quote).
type Payment struct {
	Charge   payment.Charge
	Refunded bool
}

// Seats lists every seat of the booking, by flight.
func (b Booking) Seats() map[string][]trip.SeatNumber {
	out := map[string][]trip.SeatNumber{}
	for _, p := range b.Passengers {
		for _, s := range p.Seats {
			out[s.FlightID] = append(out[s.FlightID], s.Number)
		}
	}
	return out
}

// Email is a validated address, printed redacted.
type Email string

// ParseEmail accepts one plain address (no display name), at most 254
// characters, with a dotted domain.
func ParseEmail(s string) (Email, error) {
	a, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || a.Address != s || len(s) > 254 || at < 1 || !strings.Contains(s[at+1:], ".") {
		return "", errors.New("must be an email address like jane@example.com")
	}
	return Email(s), nil
}

// String keeps the address out of logs.
func (Email) String() string { return "[redacted]" }

// LogValue keeps the address out of structured logs.
func (Email) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Reveal is the address itself, for storage and its owner.
func (e Email) Reveal() string { return string(e) }

// SeatInput is a seat as received.
type SeatInput struct{ FlightID, Seat string }

// PassengerInput is a passenger as received.
type PassengerInput struct {
	FirstName, LastName string
	Seats               []SeatInput
}

// Request is a commit as received.
type Request struct {
	TripID, Email, PaymentToken string
	Passengers                  []PassengerInput
}

// Commit is a validated commit request.
type Commit struct {
	TripID     string
	Email      Email
	Token      payment.Token
	Passengers []PassengerInput // names and seats, checked against the trip by Plan
}

// ParseRequest checks what can be checked without the trip, every
// problem at once.
func ParseRequest(r Request) (Commit, error) {
	f := trip.Fields{}
	c := Commit{Passengers: r.Passengers}
	var err error
	if c.TripID, err = trip.ParseID(r.TripID); err != nil {
		f.Add("trip_id", err.Error())
	}
	if c.Email, err = ParseEmail(r.Email); err != nil {
		f.Add("user_email", err.Error())
	}
	if c.Token, err = payment.ParseToken(r.PaymentToken); err != nil {
		f.Add("payment_token", "is required: a token from the payment provider")
	}
	if len(r.Passengers) == 0 || len(r.Passengers) > trip.MaxSeated*2 {
		f.Add("passengers", "list every passenger of the trip")
	}
	return c, f.Err()
}

// Plan matches a commit against its trip and returns the booking to write
// (without charges). Where the trip names passengers, the request lists
// as many, in the same order: the trip gives each one's id and type, the
// request the names the booking carries. Where it names none, the
// request's passengers travel as adults. Every seated passenger has
// exactly one seat on every flight of the trip; an infant has none.
func Plan(t trip.Trip, c Commit, owner string, now time.Time) (Booking, error) {
	f := trip.Fields{}
	b := Booking{ID: uuid.NewString(), Owner: owner, TripID: t.ID, Email: c.Email, Status: Confirmed, CreatedAt: now}
	if len(t.Passengers) > 0 && len(c.Passengers) != len(t.Passengers) {
		f.Add("passengers", fmt.Sprintf("the trip has %d passengers: list each, in the order they were added", len(t.Passengers)))
		return b, f.Err()
	}
	taken := map[trip.Seat]bool{}
	for i, in := range c.Passengers {
		p := passengerOf(t, i)
		field := fmt.Sprintf("passengers[%d]", i)
		var err error
		if p.FirstName, err = trip.ParseName(in.FirstName); err != nil {
			f.Add(field+".first_name", err.Error())
		}
		if p.LastName, err = trip.ParseName(in.LastName); err != nil {
			f.Add(field+".last_name", err.Error())
		}
		p.Seats = planSeats(t, p, in.Seats, field, taken, f)
		b.Passengers = append(b.Passengers, p)
	}
	return b, f.Err()
}

// passengerOf is the trip's i-th passenger, or a new adult where the trip
// names none.
func passengerOf(t trip.Trip, i int) Passenger {
	if len(t.Passengers) == 0 {
		return Passenger{ID: uuid.NewString(), Type: pricing.Adult}
	}
	tp := t.Passengers[i]
	return Passenger{ID: tp.ID, Type: tp.Type}
}

func planSeats(t trip.Trip, p Passenger, in []SeatInput, field string, taken map[trip.Seat]bool, f trip.Fields) []trip.Seat {
	if p.Type == pricing.Infant {
		if len(in) > 0 {
			f.Add(field+".seats", "an infant rides on an adult's lap: list no seat")
		}
		return nil
	}
	perFlight := map[string]int{}
	var out []trip.Seat
	for j, s := range in {
		sf := fmt.Sprintf("%s.seats[%d]", field, j)
		flight, err := trip.ParseID(s.FlightID)
		if _, ok := t.HasFlight(flight); err != nil || !ok {
			f.Add(sf+".flight_id", "must be a flight of the trip")
			continue
		}
		num, err := trip.ParseSeatNumber(s.Seat)
		if err != nil {
			f.Add(sf+".seat_number", err.Error())
			continue
		}
		seat := trip.Seat{FlightID: flight, Number: num}
		if taken[seat] {
			f.Add(sf+".seat_number", "is listed twice")
			continue
		}
		taken[seat] = true
		perFlight[flight]++
		out = append(out, seat)
	}
	for _, fl := range t.Flights {
		if perFlight[fl.ID] != 1 {
			f.Add(field+".seats", "needs exactly one seat on each flight of the trip")
		}
	}
	return out
}

// PassengerTypes is the party the booking's price covers.
func (b Booking) PassengerTypes() []pricing.PassengerType {
	out := make([]pricing.PassengerType, len(b.Passengers))
	for i, p := range b.Passengers {
		out[i] = p.Type
	}
	return out
}

// References are six characters from this alphabet (no 0/O, 1/I).
const referenceAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewReference draws a booking reference from random bytes (6 of them).
func NewReference(random [6]byte) string {
	var b [6]byte
	for i, r := range random {
		b[i] = referenceAlphabet[int(r)%len(referenceAlphabet)]
	}
	return string(b[:])
}
