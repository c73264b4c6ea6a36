package pricing

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (with %w), so callers map them with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every *ConfigError that New returns.
	ErrInvalidConfig = errors.New("pricing: invalid config")
	// ErrUnknownPassengerType is returned for anything but ADULT, CHILD, INFANT.
	ErrUnknownPassengerType = errors.New("pricing: unknown passenger type")
	// ErrCurrencyNotConfigured is returned when a surcharge has no amount in
	// the currency being priced.
	ErrCurrencyNotConfigured = errors.New("pricing: currency not configured")
	// ErrInvalidFlight is returned for a Flight whose fields are out of range.
	ErrInvalidFlight = errors.New("pricing: invalid flight")
	// ErrInvalidMoment is returned when the pricing moment is the zero time.
	ErrInvalidMoment = errors.New("pricing: invalid pricing moment")
	// ErrEmptyItinerary is returned by Quote for no flights or no passengers.
	ErrEmptyItinerary = errors.New("pricing: empty itinerary")
	// ErrItineraryTooLarge is returned by Quote beyond MaxQuoteFlights or
	// MaxQuotePassengers.
	ErrItineraryTooLarge = errors.New("pricing: itinerary too large")
	// ErrInvalidQuote is returned by Quote.Verify for an inconsistent quote.
	ErrInvalidQuote = errors.New("pricing: inconsistent quote")
)

// ConfigError names the rule that made a Config invalid, e.g.
// `pricing.sales[1] "Winter sale": end before start`. It unwraps to
// ErrInvalidConfig.
type ConfigError struct {
	Path   string // e.g. "pricing.sales[1]"
	Rule   string // the rule's name, if it has one
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Rule == "" {
		return e.Path + ": " + e.Reason
	}
	return e.Path + " " + strconv.Quote(e.Rule) + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalidConfig) hold.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
