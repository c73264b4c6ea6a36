package readmodel

import (
	"fmt"
	"strconv"
	"strings"
)

// layout is the one table of key names. "$p" is the configured prefix;
// every other "$name" is a parameter, in order of appearance. Keys builds
// them in Go; Lua turns each into a function K.<name>(params...).
var layout = []struct{ name, template string }{
	// The index: which generation is live, and each generation's keys.
	{"current", "$p:index:current"},       // generation readers use
	{"building", "$p:index:building"},     // generation a rebuild is filling
	{"schema", "$p:index:schema"},         // SchemaVersion of the current generation
	{"generation", "$p:index:generation"}, // counter naming new generations
	{"rebuild_lock", "$p:index:rebuild-lock"},
	{"retired", "$p:index:retired"}, // zset generation → when to drop it (unix ms)
	{"gen_prefix", "$p:ix:$gen:"},
	{"flight", "$p:ix:$gen:flight:{$flight}"},     // hash: doc, doc_v, seats_v, sold, route
	{"sold", "$p:ix:$gen:sold:{$flight}"},         // set of seats sold
	{"route", "$p:ix:$gen:route:$route"},          // zset flight id → departure (unix s)
	{"layout", "$p:ix:$gen:layout:$aircraft"},     // events.SeatLayout JSON
	{"layout_v", "$p:ix:$gen:layout-v:$aircraft"}, // version of that layout (see Keys.LayoutVersion)
	{"airports", "$p:ix:$gen:airports"},           // set of served airport codes
	// Live seat state of one flight, outside any generation.
	{"holds", "$p:holds:{$flight}"},                   // zset seat → hold expiry (unix ms)
	{"holders", "$p:holders:{$flight}"},               // hash seat → trip id
	{"trip_flight", "$p:trip-flight:{$flight}:$trip"}, // hash: the trip on the flight and its seats
	{"seat_catalog", "$p:seat-catalog:{$flight}"},     // hash seat → "1" blocked, "0" for sale
	{"recent_sold", "$p:recent-sold:{$flight}"},       // zset seat → inventory version of a sale the index may not show yet
	{"seat_events", "$p:seat-events:{$flight}"},       // capped stream of seat changes
	{"seat_seq", "$p:seat-seq:{$flight}"},             // counter: the seat events' version
	{"holds_due", "$p:{holds-due}:flights"},           // zset flight id → when to sweep it (unix ms)
	{"holds_touch", "$p:{holds-due}:touched"},         // hash flight id → holds placed since its last sweep
	{"seat_channel", "$p:seat-events"},                // pub/sub channel of every seat event
	// A guest's trips. The guest id is the hash tag: one guest, one slot.
	{"trip", "$p:guest:{$guest}:trip:$trip"},           // hash, see the command service
	{"guest_trips", "$p:guest:{$guest}:trips"},         // zset trip id → expiry (unix ms)
	{"guest_allowance", "$p:guest:{$guest}:allowance"}, // hash trip id → seats it may hold
}

// template is a parsed layout entry: literal pieces and parameters.
type template struct {
	name   string
	pieces []piece
	params []string
}

type piece struct {
	text  string
	param int // -1: literal text; -2: the prefix; else index into params
}

const (
	literal     = -1
	prefixPiece = -2
)

var templates = parseLayout()

func parseLayout() map[string]template {
	out := make(map[string]template, len(layout))
	for _, l := range layout {
		out[l.name] = parse(l.name, l.template)
	}
	return out
}

func parse(name, s string) template {
	t := template{name: name}
	for s != "" {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			t.pieces = append(t.pieces, piece{text: s, param: literal})
			break
		}
		if i > 0 {
			t.pieces = append(t.pieces, piece{text: s[:i], param: literal})
		}
		s = s[i+1:]
		j := strings.IndexFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' })
		if j < 0 {
			j = len(s)
		}
		param := s[:j]
		s = s[j:]
		if param == "p" {
			t.pieces = append(t.pieces, piece{param: prefixPiece})
			continue
		}
		t.pieces = append(t.pieces, piece{text: param, param: len(t.params)})
		t.params = append(t.params, param)
	}
	return t
}

// build fills the template; it panics on a wrong number of values, which
// only a programming error can cause.
func (t template) build(prefix string, vals ...string) string {
	if len(vals) != len(t.params) {
		panic(fmt.Sprintf("readmodel: key %s takes %d values, got %d", t.name, len(t.params), len(vals)))
	}
	var b strings.Builder
	for _, p := range t.pieces {
		switch p.param {
		case literal:
			b.WriteString(p.text)
		case prefixPiece:
			b.WriteString(prefix)
		default:
			b.WriteString(vals[p.param])
		}
	}
	return b.String()
}

// lua renders the template as a Lua function of its parameters; P is the
// prefix.
func (t template) lua() string {
	parts := make([]string, len(t.pieces))
	for i, p := range t.pieces {
		switch p.param {
		case literal:
			parts[i] = luaQuote(p.text)
		case prefixPiece:
			parts[i] = "P"
		default:
			parts[i] = p.text
		}
	}
	return fmt.Sprintf("function K.%s(%s) return %s end\n", t.name, strings.Join(t.params, ", "), strings.Join(parts, " .. "))
}

func luaQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Keys builds key names under one prefix.
type Keys struct{ prefix string }

// NewKeys returns the key builder for prefix (the [redis] prefix setting).
func NewKeys(prefix string) Keys { return Keys{prefix: prefix} }

// Prefix is the configured prefix; every script takes it as ARGV[1].
func (k Keys) Prefix() string { return k.prefix }

func (k Keys) key(name string, vals ...string) string {
	t, ok := templates[name]
	if !ok {
		panic("readmodel: no key named " + name)
	}
	return t.build(k.prefix, vals...)
}

func gen(g int64) string { return strconv.FormatInt(g, 10) }

// Current holds the generation readers use.
func (k Keys) Current() string { return k.key("current") }

// Building holds the generation a rebuild is filling, while it runs.
func (k Keys) Building() string { return k.key("building") }

// Schema holds the SchemaVersion the current generation was built with.
func (k Keys) Schema() string { return k.key("schema") }

// Generation is incremented to name each new generation.
func (k Keys) Generation() string { return k.key("generation") }

// RebuildLock is held by the one projector rebuilding.
func (k Keys) RebuildLock() string { return k.key("rebuild_lock") }

// Retired scores each generation a switch replaced by when it may be
// dropped (unix ms, by the Redis clock). Kept in Redis, not in a timer, so
// a projector that crashes before the drop leaves it for the next one.
func (k Keys) Retired() string { return k.key("retired") }

// GenPrefix is the prefix of every key of generation g.
func (k Keys) GenPrefix(g int64) string { return k.key("gen_prefix", gen(g)) }

// Flight is a hash: doc (FlightDoc JSON), doc_v, seats_v, sold, route.
func (k Keys) Flight(g int64, flightID string) string { return k.key("flight", gen(g), flightID) }

// SoldSeats is the set of seat numbers sold on a flight.
func (k Keys) SoldSeats(g int64, flightID string) string { return k.key("sold", gen(g), flightID) }

// Route is a sorted set of flight ids scored by departure (unix seconds)
// for one RouteKey.
func (k Keys) Route(g int64, route string) string { return k.key("route", gen(g), route) }

// Layout holds an aircraft's seat layout (events.SeatLayout JSON).
func (k Keys) Layout(g int64, aircraft string) string { return k.key("layout", gen(g), aircraft) }

// LayoutVersion holds the version of the layout stored under Layout: the
// unix ms of the event (or snapshot) that wrote it. Many flights share an
// aircraft; only a newer-or-equal version may overwrite the layout.
func (k Keys) LayoutVersion(g int64, aircraft string) string {
	return k.key("layout_v", gen(g), aircraft)
}

// Airports is the set of airport codes served by any indexed flight.
func (k Keys) Airports(g int64) string { return k.key("airports", gen(g)) }

// Holds is a sorted set of a flight's held seats scored by the hold's
// expiry in unix milliseconds. A hold whose score is not in the future is
// over, whether or not a sweeper has removed it yet.
func (k Keys) Holds(flightID string) string { return k.key("holds", flightID) }

// Holders maps a held seat of a flight to the trip holding it.
func (k Keys) Holders(flightID string) string { return k.key("holders", flightID) }

// TripFlight is a trip as the flight's seat holds see it, on the flight's
// slot: owner, expiry (unix ms), seat limit, whether it is open, how many
// seats it holds and which ("seat:<number>" fields).
func (k Keys) TripFlight(flightID, tripID string) string {
	return k.key("trip_flight", flightID, tripID)
}

// SeatCatalog maps every seat of a flight's aircraft to "1" (blocked) or
// "0" (for sale), so a seat hold checks it in the same atomic step.
func (k Keys) SeatCatalog(flightID string) string { return k.key("seat_catalog", flightID) }

// RecentSold names seats the command service sold, scored by the flight's
// inventory version after the sale. Readers count a seat as sold when its
// score is above the index's seats_v: a commit shows at once, before the
// projector catches up, and stops mattering once it has.
func (k Keys) RecentSold(flightID string) string { return k.key("recent_sold", flightID) }

// SeatEvents is a capped stream of a flight's seat changes (SSE history).
func (k Keys) SeatEvents(flightID string) string { return k.key("seat_events", flightID) }

// SeatSeq counts a flight's seat events: each event's version.
func (k Keys) SeatSeq(flightID string) string { return k.key("seat_seq", flightID) }

// HoldsDue names flights with holds to tidy, scored by when (unix ms).
func (k Keys) HoldsDue() string { return k.key("holds_due") }

// HoldsTouched counts, per flight, the holds placed since its last sweep,
// so that a sweeper never drops a flight a new hold was just added to.
func (k Keys) HoldsTouched() string { return k.key("holds_touch") }

// SeatChannel is the pub/sub channel every seat event is published on.
func (k Keys) SeatChannel() string { return k.key("seat_channel") }

// Trip is a guest's trip hold.
func (k Keys) Trip(guestID, tripID string) string { return k.key("trip", guestID, tripID) }

// GuestTrips scores a guest's trips by expiry (unix ms).
func (k Keys) GuestTrips(guestID string) string { return k.key("guest_trips", guestID) }

// GuestAllowance maps each of a guest's trips to the seats it may hold.
func (k Keys) GuestAllowance(guestID string) string { return k.key("guest_allowance", guestID) }
