package trip

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors of the trip rules; the HTTP port maps each to one answer.
var (
	ErrNotFound        = errors.New("trip not found")
	ErrExpired         = errors.New("the trip hold has expired")
	ErrClosed          = errors.New("the trip is closed")
	ErrSeatUnavailable = errors.New("the seat is not available")
	ErrSeatLimit       = errors.New("the trip already holds a seat for every passenger on this flight")
	ErrSeatNotHeld     = errors.New("the trip does not hold this seat")
	ErrPassengerLimit  = errors.New("passenger limit")
	ErrTooManyTrips    = errors.New("too many live trips for this guest")
	ErrTooManySeats    = errors.New("too many seats held by this guest")
	ErrQuoteChanged    = errors.New("the pricing rules changed during the hold: hold a new trip")
	ErrConflict        = errors.New("the trip changed concurrently")
	ErrNoSuchSeat      = errors.New("no such seat on this flight's aircraft")
)

func passengerLimit(msg string) error { return fmt.Errorf("%w: %s", ErrPassengerLimit, msg) }

// ValidationError lists invalid fields with a message each.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// FieldErrors exposes the fields for the HTTP error mapping.
func (e *ValidationError) FieldErrors() map[string]string { return e.Fields }

// Invalid is a ValidationError for one field.
func Invalid(field, msg string) error {
	return &ValidationError{Fields: map[string]string{field: msg}}
}

// Fields collects field messages; Err is nil when there are none.
type Fields map[string]string

// Add keeps the first message for a field.
func (f Fields) Add(field, msg string) {
	if _, seen := f[field]; !seen {
		f[field] = msg
	}
}

// Err returns the collected problems as a *ValidationError, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}
