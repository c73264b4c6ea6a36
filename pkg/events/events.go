// Package events is the wire contract between Altis services: topic names,
// versioned event types and the JSON envelope every event travels in.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// TopicFlights carries every change of a flight's schedule and seats, keyed
// by flight id so that one flight's events stay in order.
const TopicFlights = "altis.flights.v1"

// TopicDeadLetter receives every record a consumer could not use (an
// undecodable envelope, an unknown type or version, a payload failing
// validation): the original key, value and headers, plus the DeadLetter*
// headers saying why and where it came from. Nothing reads it
// automatically; operators inspect it and republish by hand.
const TopicDeadLetter = "altis.deadletter.v1"

// Headers a dead-lettered record carries besides its original ones.
const (
	DeadLetterReason    = "dlq_reason"    // why: one of the Reject* values
	DeadLetterError     = "dlq_error"     // the decoding error, for people
	DeadLetterTopic     = "dlq_topic"     // the topic it was read from
	DeadLetterPartition = "dlq_partition" // its partition there (decimal)
	DeadLetterOffset    = "dlq_offset"    // its offset there (decimal)
	DeadLetterConsumer  = "dlq_consumer"  // the consumer group that gave up on it
	// DeadLetterValueDropped is set when the record with these headers was
	// too large for the broker: its value is left out (read it at the source).
	DeadLetterValueDropped = "dlq_value_dropped"
)

// Reasons a consumer rejects an event (the DeadLetterReason header).
const (
	RejectEnvelope    = "envelope"     // not JSON, or a required field missing
	RejectUnknownType = "unknown_type" // a type or version this consumer does not know
	RejectPayload     = "payload"      // the payload does not decode or fails validation
)

// Topics lists every topic a broker must have; launchers create them up front.
func Topics() []string { return []string{TopicFlights, TopicDeadLetter} }

// Event types. A type never changes meaning; a new shape gets a new version.
const (
	FlightScheduled = "flight.scheduled.v1"
	FlightUpdated   = "flight.updated.v1"
	SeatsSold       = "seats.sold.v1"
	SeatsReleased   = "seats.released.v1"
)

// Envelope is the stable JSON frame around every event.
type Envelope struct {
	EventID       string          `json:"event_id"`
	Type          string          `json:"type"`
	FlightID      string          `json:"flight_id"`
	FlightVersion int64           `json:"flight_version"`
	OccurredAt    time.Time       `json:"occurred_at"`
	Payload       json.RawMessage `json:"payload"`
}

// ErrMalformed marks an event that cannot be decoded; consumers log and skip it.
var ErrMalformed = errors.New("malformed event")

// Decode parses an envelope and checks its required fields.
func Decode(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if e.EventID == "" || e.Type == "" || e.FlightID == "" || e.FlightVersion < 1 {
		return e, fmt.Errorf("%w: missing event_id, type, flight_id or flight_version", ErrMalformed)
	}
	return e, nil
}

// Cabin describes rows first_row..last_row; Layout lists seat letters with
// '_' for an aisle, e.g. "ABC_DEF".
type Cabin struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	FirstRow int    `json:"first_row"`
	LastRow  int    `json:"last_row"`
	Layout   string `json:"layout"`
}

// SeatLayout is an aircraft's seat map in compact form.
type SeatLayout struct {
	Aircraft string   `json:"aircraft"`
	Name     string   `json:"name"`
	Cabins   []Cabin  `json:"cabins"`
	ExitRows []int    `json:"exit_rows"`
	Blocked  []string `json:"blocked"`
}

// Every payload carries absolute state, never a delta: the flight document
// and/or the complete set of seats sold after the change. A consumer keeps,
// per flight, the version of the document and of the seat set it holds and
// applies a part only when the event's version is newer. Duplicates,
// replays and even reordering therefore change nothing.

// Flight is the payload of flight.scheduled.v1 and flight.updated.v1: the
// whole flight document and its sold seats.
type Flight struct {
	Number      string           `json:"number"`
	Origin      string           `json:"origin"`
	Destination string           `json:"destination"`
	DepartureAt time.Time        `json:"departure_at"`
	ArrivalAt   time.Time        `json:"arrival_at"`
	Status      string           `json:"status"`
	Currency    string           `json:"currency"`
	Fares       map[string]int64 `json:"fares"`
	Capacity    int              `json:"capacity"`
	Layout      SeatLayout       `json:"layout"`
	SoldSeats   []string         `json:"sold_seats"`
}

// Seats is the payload of seats.sold.v1 and seats.released.v1.
type Seats struct {
	BookingID string   `json:"booking_id"`
	Seats     []string `json:"seats"`      // the seats this change sold or released
	SoldSeats []string `json:"sold_seats"` // every seat sold on the flight after it
}
