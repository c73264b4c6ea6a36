// Package app holds the projector's use cases: projecting events into the
// availability index and rebuilding the index from PostgreSQL.
package app

import (
	"time"

	"github.com/altisair/altis/pkg/events"
)

// Update is the absolute state one event or snapshot row carries for one
// flight. The index applies each part only if Version is newer than the
// version of that part it holds, so duplicates and replays change nothing.
type Update struct {
	FlightID   string
	Version    int64
	OccurredAt time.Time
	Flight     *Flight  // nil when the update carries no flight document
	SoldSeats  []string // meaningful when HasSeats
	HasSeats   bool
	Change     *SeatChange // seats that changed, for live seat streams
}

// Flight is the flight document part of an update.
type Flight struct {
	Number, Origin, Destination string
	DepartureAt, ArrivalAt      time.Time
	Status, Currency            string
	Fares                       map[string]int64
	Capacity                    int
	Layout                      events.SeatLayout
	// LayoutVersion orders writes of the aircraft's seat layout, which many
	// flights share: the event's occurred_at (or a snapshot's time) in unix
	// ms. The index keeps the layout with the highest version.
	LayoutVersion int64
}

// SeatChange names seats just sold or released.
type SeatChange struct {
	Status string // readmodel.StatusSold or readmodel.StatusAvailable
	Seats  []string
}
