package trip

import (
	"errors"
	"fmt"

	"github.com/altisair/altis/pkg/platform/validation"
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
type ValidationError = validation.Error

// Fields collects field messages; Err is nil when there are none.
type Fields = validation.Fields

// Invalid is a ValidationError for one field.
func Invalid(field, msg string) error { return validation.Invalid(field, msg) }
