// Package readmodel is the contract for everything Altis keeps in Redis: key
// names, the stored flight document, the index schema version and the seat
// event every writer emits. The projector writes the availability index,
// the command service writes holds and trips, the query service reads both.
//
// Every key name is built from ONE table of templates (keys.go). Go code
// builds keys with Keys; Lua scripts get the same templates as functions
// through Lua, so a script and the Go code cannot disagree on a name.
//
// The index lives in generations: every key of generation N starts with
// "<prefix>:ix:N:". "<prefix>:index:current" names the generation readers
// use; a rebuild fills a new generation (named by "<prefix>:index:building")
// and switches "current" to it in one step. Holds, trips and seat events
// belong to no generation: they are not derived from PostgreSQL and survive
// a rebuild. Per-flight keys carry the flight id as a hash tag, per-guest
// keys the guest id, so that on Redis Cluster a script touching one flight's
// (or one guest's) keys runs on one slot.
package readmodel

import (
	"time"
)

// SchemaVersion changes whenever the index layout changes; a projector that
// finds another version rebuilds the index.
const SchemaVersion = 1

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
