package readmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Seat statuses carried by seat events.
const (
	StatusHeld      = "held"
	StatusAvailable = "available"
	StatusSold      = "sold"
)

// SeatEvent is one change of one seat, as emit_seat (see Lua) writes it to
// a flight's stream and publishes it. ID is the stream entry id: it orders
// a flight's events and is what a client resumes from. Version counts the
// flight's seat events. It never names a trip or a guest.
type SeatEvent struct {
	ID         string `json:"id"`
	FlightID   string `json:"flight_id"`
	SeatNumber string `json:"seat_number"`
	Status     string `json:"status"`
	Version    int64  `json:"version"`
}

// Name is the event's SSE name: seat_held, seat_released or seat_sold.
func (e SeatEvent) Name() string {
	switch e.Status {
	case StatusHeld:
		return "seat_held"
	case StatusSold:
		return "seat_sold"
	}
	return "seat_released"
}

// ErrBadSeatEvent marks a seat event that cannot be read.
var ErrBadSeatEvent = errors.New("malformed seat event")

// ParseSeatEvent reads a published seat event.
func ParseSeatEvent(b []byte) (SeatEvent, error) {
	var e SeatEvent
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("%w: %v", ErrBadSeatEvent, err)
	}
	return e, e.check()
}

// SeatEventFromStream reads one entry of a flight's stream.
func SeatEventFromStream(flightID, id string, fields map[string]string) (SeatEvent, error) {
	v, err := strconv.ParseInt(fields["version"], 10, 64)
	if err != nil {
		return SeatEvent{}, fmt.Errorf("%w: version %q", ErrBadSeatEvent, fields["version"])
	}
	e := SeatEvent{ID: id, FlightID: flightID, SeatNumber: fields["seat"], Status: fields["status"], Version: v}
	return e, e.check()
}

func (e SeatEvent) check() error {
	switch {
	case e.ID == "" || e.FlightID == "" || e.SeatNumber == "" || e.Version < 1:
		return fmt.Errorf("%w: missing id, flight, seat or version", ErrBadSeatEvent)
	case e.Status != StatusHeld && e.Status != StatusAvailable && e.Status != StatusSold:
		return fmt.Errorf("%w: status %q", ErrBadSeatEvent, e.Status)
	}
	return nil
}
