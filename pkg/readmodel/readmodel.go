// Package readmodel is the contract between the projector, which writes
// the Redis availability index, and the query service, which reads it: key
// names, the stored flight document and the index schema version.
//
// The index lives in generations: every key of generation N starts with
// "<prefix>:ix:N:". "<prefix>:index:current" names the generation readers
// use; a rebuild fills a new generation (named by "<prefix>:index:building")
// and switches "current" to it in one step. Per-flight keys carry the flight
// id as a hash tag so that, on Redis Cluster, a flight's keys share a slot.
package readmodel

import (
	"strconv"
	"time"
)

// SchemaVersion changes whenever the layout below changes; a projector that
// finds another version rebuilds the index.
const SchemaVersion = 1

// Keys builds key names under one prefix.
type Keys struct{ prefix string }

// NewKeys returns the key builder for prefix (the [redis] prefix setting).
func NewKeys(prefix string) Keys { return Keys{prefix: prefix} }

// Prefix is the configured prefix.
func (k Keys) Prefix() string { return k.prefix }

// Current holds the generation readers use.
func (k Keys) Current() string { return k.prefix + ":index:current" }

// Building holds the generation a rebuild is filling, while it runs.
func (k Keys) Building() string { return k.prefix + ":index:building" }

// Schema holds the SchemaVersion the current generation was built with.
func (k Keys) Schema() string { return k.prefix + ":index:schema" }

// Generation is incremented to name each new generation.
func (k Keys) Generation() string { return k.prefix + ":index:generation" }

// RebuildLock is held by the one projector rebuilding.
func (k Keys) RebuildLock() string { return k.prefix + ":index:rebuild-lock" }

// GenPrefix is the prefix of every key of generation gen.
func (k Keys) GenPrefix(gen int64) string {
	return k.prefix + ":ix:" + strconv.FormatInt(gen, 10) + ":"
}

// Flight is a hash: doc (FlightDoc JSON), doc_v, seats_v, sold, route.
func (k Keys) Flight(gen int64, flightID string) string {
	return k.GenPrefix(gen) + "flight:{" + flightID + "}"
}

// SoldSeats is the set of seat numbers sold on a flight.
func (k Keys) SoldSeats(gen int64, flightID string) string {
	return k.GenPrefix(gen) + "sold:{" + flightID + "}"
}

// Route is a sorted set of flight ids scored by departure (unix seconds)
// for one origin, destination and UTC departure date.
func (k Keys) Route(gen int64, route string) string {
	return k.GenPrefix(gen) + "route:" + route
}

// Layout holds an aircraft's seat layout (events.SeatLayout JSON).
func (k Keys) Layout(gen int64, aircraft string) string {
	return k.GenPrefix(gen) + "layout:" + aircraft
}

// Airports is the set of airport codes served by any indexed flight.
func (k Keys) Airports(gen int64) string { return k.GenPrefix(gen) + "airports" }

// SeatEvents is a capped stream of seat changes of one flight, read by the
// query service's SSE streams. It is not part of a generation.
func (k Keys) SeatEvents(flightID string) string {
	return k.prefix + ":seat-events:{" + flightID + "}"
}

// RouteKey is the route part of Route: "JFK:LHR:2027-01-15" (UTC date).
func RouteKey(origin, destination string, departure time.Time) string {
	return origin + ":" + destination + ":" + departure.UTC().Format(time.DateOnly)
}

// FlightDoc is the document stored for each flight.
type FlightDoc struct {
	ID           string           `json:"id"`
	Number       string           `json:"number"`
	Origin       string           `json:"origin"`
	Destination  string           `json:"destination"`
	DepartureAt  time.Time        `json:"departure_at"`
	ArrivalAt    time.Time        `json:"arrival_at"`
	Aircraft     string           `json:"aircraft"`
	AircraftName string           `json:"aircraft_name"`
	Status       string           `json:"status"`
	Currency     string           `json:"currency"`
	Fares        map[string]int64 `json:"fares"`
	Capacity     int              `json:"capacity"`
}
