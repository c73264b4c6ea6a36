// Package redis keeps trips and seat holds in Redis with Lua scripts: each
// decision (create a trip, add a passenger, hold or release a seat) is one
// atomic step on one slot — the guest's for a trip, the flight's for its
// seats. Key names come from pkg/readmodel, the one source of the layout.
package redis

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/pricing"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/command/internal/domain/trip"
)

//go:embed trips.lua
var tripsSource string

var tripsScript = platformredis.NewScript(readmodel.Lua(tripsSource))

// Result codes shared by the scripts.
const (
	codeOK          = 0
	codeNotFound    = 1
	codeExpired     = 2
	codeClosed      = 3
	codeConflict    = 4
	codeTooManyTrip = 5
	codeTooManySeat = 6
	codeAlreadyHeld = 7
	codeUnavailable = 8
	codeSeatLimit   = 9
	codeNotHeld     = 10
	codeNoSuchSeat  = 11
)

var codeErrors = map[int64]error{
	codeNotFound: trip.ErrNotFound, codeExpired: trip.ErrExpired, codeClosed: trip.ErrClosed,
	codeConflict: trip.ErrConflict, codeTooManyTrip: trip.ErrTooManyTrips, codeTooManySeat: trip.ErrTooManySeats,
	codeUnavailable: trip.ErrSeatUnavailable, codeSeatLimit: trip.ErrSeatLimit, codeNotHeld: trip.ErrSeatNotHeld,
	codeNoSuchSeat: trip.ErrNoSuchSeat,
}

// TripLimits bound what one guest may hold (OWASP API6: seat hoarding).
type TripLimits struct {
	MaxTrips  int           // live trips per guest
	MaxSeats  int           // seats a guest's live trips may hold in all
	Retention time.Duration // an expired trip is kept this long (answers 410, not 404)
}

// Trips stores trip holds under each guest's own keys: a trip is found
// only through its owner's id, so someone else's trip does not exist.
type Trips struct {
	client rueidis.Client
	keys   readmodel.Keys
	limits TripLimits
}

// NewTrips returns the store; limits must be positive.
func NewTrips(client rueidis.Client, keys readmodel.Keys, limits TripLimits) (*Trips, error) {
	if client == nil || limits.MaxTrips < 1 || limits.MaxSeats < 1 || limits.Retention < 0 {
		return nil, errors.New("redis trips: client and positive limits are required")
	}
	return &Trips{client: client, keys: keys, limits: limits}, nil
}

func (s *Trips) keysOf(guest, id string) []string {
	return []string{s.keys.Trip(guest, id), s.keys.GuestTrips(guest), s.keys.GuestAllowance(guest)}
}

// Now is the Redis server's clock: trips expire by it, wherever they were
// created.
func (s *Trips) Now(ctx context.Context) (time.Time, error) {
	vals, err := s.client.Do(ctx, s.client.B().Time().Build()).AsIntSlice()
	if err != nil || len(vals) != 2 {
		return time.Time{}, fmt.Errorf("Trips.Now: %v %w", vals, err)
	}
	return time.Unix(vals[0], vals[1]*1000).UTC(), nil
}

// Create stores a new trip until t.ExpiresAt. It fails with
// trip.ErrTooManyTrips or trip.ErrTooManySeats when the owner is at a
// limit.
func (s *Trips) Create(ctx context.Context, t trip.Trip) error {
	doc, err := json.Marshal(toDoc(t))
	if err != nil {
		return fmt.Errorf("Trips.Create(%s): %w", t.ID, err)
	}
	args := []string{s.keys.Prefix(), "create", t.ID, string(doc), strconv.FormatInt(t.ExpiresAt.UnixMilli(), 10),
		flightsField(t), strconv.Itoa(t.SeatLimit()), strconv.Itoa(t.Allowance()),
		strconv.Itoa(s.limits.MaxTrips), strconv.Itoa(s.limits.MaxSeats), ms(s.limits.Retention)}
	if _, err := run(ctx, s.client, tripsScript, s.keysOf(t.Owner, t.ID), args); err != nil {
		return fmt.Errorf("Trips.Create(%s): %w", t.ID, err)
	}
	return nil
}

// SavePassengers writes t's passengers and re-priced quote if the stored
// trip is still at t.Version; otherwise trip.ErrConflict.
func (s *Trips) SavePassengers(ctx context.Context, t trip.Trip) error {
	doc, err := json.Marshal(toDoc(t))
	if err != nil {
		return fmt.Errorf("Trips.SavePassengers(%s): %w", t.ID, err)
	}
	args := []string{s.keys.Prefix(), "add_passenger", t.ID, string(doc), strconv.FormatInt(t.Version, 10),
		strconv.Itoa(t.SeatLimit()), strconv.Itoa(t.Allowance()), strconv.Itoa(s.limits.MaxSeats)}
	if _, err := run(ctx, s.client, tripsScript, s.keysOf(t.Owner, t.ID), args); err != nil {
		return fmt.Errorf("Trips.SavePassengers(%s): %w", t.ID, err)
	}
	return nil
}

// Close marks the guest's trip as being committed: no passenger may be
// added and no second commit may start (trip.ErrClosed); an expired trip
// is trip.ErrExpired.
func (s *Trips) Close(ctx context.Context, guest, id string) error {
	return s.status(ctx, "close", guest, id)
}

// Reopen undoes Close after a commit that did not happen.
func (s *Trips) Reopen(ctx context.Context, guest, id string) error {
	return s.status(ctx, "reopen", guest, id)
}

// Booked marks the trip booked: it no longer counts against its owner's
// limits.
func (s *Trips) Booked(ctx context.Context, guest, id string) error {
	return s.status(ctx, "booked", guest, id)
}

func (s *Trips) status(ctx context.Context, op, guest, id string) error {
	if _, err := run(ctx, s.client, tripsScript, s.keysOf(guest, id), []string{s.keys.Prefix(), op, id}); err != nil {
		return fmt.Errorf("Trips.%s(%s): %w", op, id, err)
	}
	return nil
}

// Summary reads what a seat hold needs to know of a trip, in one small
// read: expiry, whether it is open, its seat limit and its flights.
func (s *Trips) Summary(ctx context.Context, guest, id string) (trip.Summary, error) {
	cmd := s.client.B().Hmget().Key(s.keys.Trip(guest, id)).Field("exp", "status", "limit", "flights").Build()
	vals, err := s.client.Do(ctx, cmd).ToArray()
	if err != nil {
		return trip.Summary{}, fmt.Errorf("Trips.Summary(%s): %w", id, err)
	}
	if vals[0].IsNil() {
		return trip.Summary{}, trip.ErrNotFound
	}
	sum, err := toSummary(id, vals)
	if err != nil {
		return sum, fmt.Errorf("Trips.Summary(%s): %w", id, err)
	}
	return sum, nil
}

func toSummary(id string, vals []rueidis.RedisMessage) (trip.Summary, error) {
	str := make([]string, len(vals))
	for i, v := range vals {
		var err error
		if str[i], err = v.ToString(); err != nil {
			return trip.Summary{}, fmt.Errorf("corrupt trip record: %w", err)
		}
	}
	exp, err1 := strconv.ParseInt(str[0], 10, 64)
	limit, err2 := strconv.Atoi(str[2])
	if err := errors.Join(err1, err2); err != nil || limit < 1 {
		return trip.Summary{}, fmt.Errorf("corrupt trip record: exp %q limit %q", str[0], str[2])
	}
	sum := trip.Summary{ID: id, ExpiresAt: time.UnixMilli(exp).UTC(), Open: str[1] == "open",
		SeatLimit: limit, Aircraft: map[string]string{}}
	for _, pair := range strings.Split(str[3], ",") {
		flight, aircraft, ok := strings.Cut(pair, "=")
		if !ok {
			return trip.Summary{}, fmt.Errorf("corrupt trip record: flights %q", str[3])
		}
		sum.Aircraft[flight] = aircraft
	}
	return sum, nil
}

// Get reads the whole trip with the seats it holds now.
func (s *Trips) Get(ctx context.Context, guest, id string) (trip.Trip, error) {
	cmd := s.client.B().Hmget().Key(s.keys.Trip(guest, id)).Field("doc", "v", "exp").Build()
	vals, err := s.client.Do(ctx, cmd).ToArray()
	if err != nil {
		return trip.Trip{}, fmt.Errorf("Trips.Get(%s): %w", id, err)
	}
	if vals[0].IsNil() {
		return trip.Trip{}, trip.ErrNotFound
	}
	t, err := fromRecord(vals)
	if err != nil {
		return t, fmt.Errorf("Trips.Get(%s): %w", id, err)
	}
	if t.Seats, err = s.heldSeats(ctx, t); err != nil {
		return t, fmt.Errorf("Trips.Get(%s): %w", id, err)
	}
	return t, nil
}

// heldSeats lists the seats t holds, flight by flight, in one round trip:
// each flight's record of the trip names them ("seat:<number>").
func (s *Trips) heldSeats(ctx context.Context, t trip.Trip) ([]trip.Seat, error) {
	cmds := make(rueidis.Commands, len(t.Flights))
	for i, f := range t.Flights {
		cmds[i] = s.client.B().Hkeys().Key(s.keys.TripFlight(f.ID, t.ID)).Build()
	}
	seats := []trip.Seat{}
	for i, r := range s.client.DoMulti(ctx, cmds...) {
		fields, err := r.AsStrSlice()
		if err != nil {
			return nil, err
		}
		var nums []string
		for _, f := range fields {
			if n, ok := strings.CutPrefix(f, "seat:"); ok {
				nums = append(nums, n)
			}
		}
		for _, n := range sortedSeats(nums) {
			seats = append(seats, trip.Seat{FlightID: t.Flights[i].ID, Number: trip.SeatNumber(n)})
		}
	}
	return seats, nil
}

func fromRecord(vals []rueidis.RedisMessage) (trip.Trip, error) {
	raw, err := vals[0].ToString()
	if err != nil {
		return trip.Trip{}, err
	}
	var d tripDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return trip.Trip{}, fmt.Errorf("corrupt trip document: %w", err)
	}
	v, err1 := vals[1].AsInt64()
	exp, err2 := vals[2].AsInt64()
	if err := errors.Join(err1, err2); err != nil {
		return trip.Trip{}, fmt.Errorf("corrupt trip record: %w", err)
	}
	t := d.toDomain()
	t.Version, t.ExpiresAt = v, time.UnixMilli(exp).UTC()
	return t, nil
}

// flightsField is "flight=aircraft,…": what a seat hold checks seats against.
func flightsField(t trip.Trip) string {
	parts := make([]string, len(t.Flights))
	for i, f := range t.Flights {
		parts[i] = f.ID + "=" + f.Aircraft
	}
	return strings.Join(parts, ",")
}

// run executes one trips.lua call and turns its {code, expiry} answer
// into the expiry or the domain error for the code.
func run(ctx context.Context, c rueidis.Client, s *platformredis.Script, keys, args []string) (time.Time, error) {
	raw, err := s.Exec(ctx, c, keys, args).AsIntSlice()
	if err != nil {
		return time.Time{}, err
	}
	vals, err := answer(raw)
	if err != nil || len(vals) < 2 {
		return time.Time{}, err
	}
	return time.UnixMilli(vals[1]).UTC(), nil
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// tripDoc is the stored form of a trip's document.
type tripDoc struct {
	ID         string         `json:"id"`
	Owner      string         `json:"owner"`
	CreatedAt  time.Time      `json:"created_at"`
	Flights    []flightDoc    `json:"flights"`
	Quote      pricing.Quote  `json:"quote"`
	Passengers []passengerDoc `json:"passengers"`
}

type flightDoc struct {
	ID          string           `json:"id"`
	Number      string           `json:"number"`
	Origin      string           `json:"origin"`
	Destination string           `json:"destination"`
	DepartureAt time.Time        `json:"departure_at"`
	ArrivalAt   time.Time        `json:"arrival_at"`
	Aircraft    string           `json:"aircraft"`
	Status      string           `json:"status"`
	Currency    string           `json:"currency"`
	Fares       map[string]int64 `json:"fares"`
	Capacity    int              `json:"capacity"`
	Sold        int              `json:"sold"`
}

type passengerDoc struct {
	ID        string                `json:"id"`
	FirstName string                `json:"first_name"`
	LastName  string                `json:"last_name"`
	Type      pricing.PassengerType `json:"type"`
}

func toDoc(t trip.Trip) tripDoc {
	d := tripDoc{ID: t.ID, Owner: t.Owner, CreatedAt: t.CreatedAt.UTC(), Quote: t.Quote,
		Flights: make([]flightDoc, len(t.Flights)), Passengers: make([]passengerDoc, len(t.Passengers))}
	for i, f := range t.Flights {
		d.Flights[i] = flightDoc{ID: f.ID, Number: f.Number, Origin: f.Origin, Destination: f.Destination,
			DepartureAt: f.DepartureAt.UTC(), ArrivalAt: f.ArrivalAt.UTC(), Aircraft: f.Aircraft, Status: f.Status,
			Currency: f.Currency, Fares: f.Fares, Capacity: f.Capacity, Sold: f.Sold}
	}
	for i, p := range t.Passengers {
		d.Passengers[i] = passengerDoc{ID: p.ID, FirstName: string(p.FirstName), LastName: string(p.LastName), Type: p.Type}
	}
	return d
}

func (d tripDoc) toDomain() trip.Trip {
	t := trip.Trip{ID: d.ID, Owner: d.Owner, CreatedAt: d.CreatedAt, Quote: d.Quote,
		Flights: make([]trip.Flight, len(d.Flights)), Passengers: make([]trip.Passenger, len(d.Passengers))}
	for i, f := range d.Flights {
		t.Flights[i] = trip.Flight{ID: f.ID, Number: f.Number, Origin: f.Origin, Destination: f.Destination,
			DepartureAt: f.DepartureAt, ArrivalAt: f.ArrivalAt, Aircraft: f.Aircraft, Status: f.Status,
			Currency: f.Currency, Fares: f.Fares, Capacity: f.Capacity, Sold: f.Sold}
	}
	for i, p := range d.Passengers {
		t.Passengers[i] = trip.Passenger{ID: p.ID, FirstName: trip.Name(p.FirstName), LastName: trip.Name(p.LastName), Type: p.Type}
	}
	return t
}
