package readmodel

import "github.com/altisair/altis/pkg/platform/config"

// Config is the [readmodel] section: what Redis keeps for readers. Every
// service that writes seat events reads it, so they all trim alike.
type Config struct {
	SeatEventsMaxLen int `koanf:"seat_events_maxlen"` // seat events kept per flight for resumption
}

// Validate checks the history length.
func (c Config) Validate() error {
	if c.SeatEventsMaxLen < 10 || c.SeatEventsMaxLen > 1_000_000 {
		return config.Invalid("seat_events_maxlen", "must be between 10 and 1000000")
	}
	return nil
}
