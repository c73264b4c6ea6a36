// Package limits spends request budgets: a budget allows a rate of requests
// a second per subject (a guest or a client address) with a burst, held in
// Redis so that every gateway instance spends the same budget. The
// algorithm is GCRA (the generic cell rate algorithm): one number per
// subject, the theoretical arrival time of its next request, on the Redis
// clock.
package limits

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"time"
)

// The budgets the gateway spends; each is a [gateway.limits.<name>] section.
const (
	Search  = "search"  // flight search, seat maps, seat streams and their tickets
	Holds   = "holds"   // trips, passengers, seat holds; reading a booking
	Commits = "commits" // booking commit and cancel
	Tokens  = "tokens"  // guest token issuance
)

// Budget is one named rate: PerSecond requests a second per subject, up to
// Burst at once.
type Budget struct {
	Name      string
	PerSecond float64
	Burst     int
}

// interval is the time one request costs, in microseconds (at least 1).
func (b Budget) interval() int64 {
	return max(1, int64(math.Round(1e6/b.PerSecond)))
}

func (b Budget) check() error {
	if b.Name == "" || !(b.PerSecond > 0) || math.IsInf(b.PerSecond, 0) || b.PerSecond > 1e6 || b.Burst < 1 {
		return errors.New("limits: budget " + strconv.Quote(b.Name) + " needs a name, 0 < per_second <= 1e6 and burst >= 1")
	}
	return nil
}

// Decision is the answer for one request.
type Decision struct {
	Allowed    bool
	Limit      int           // the burst: requests allowed at once
	Remaining  int           // requests still allowed now, after this one
	RetryAfter time.Duration // refused: when this request would be allowed
	Reset      time.Duration // when the whole burst is available again
}

// Subject is whose budget a request spends.
type Subject struct{ kind, id string }

// Guest is the subject of a request with a verified guest token.
func Guest(id string) Subject { return Subject{"g", id} }

// Client is the subject of an anonymous request: its client address.
func Client(ip string) Subject { return Subject{"ip", ClientKey(ip)} }

// gcra decides a request arriving at now (µs) for a subject whose
// theoretical arrival time is tat (µs; 0 when unknown). It returns the
// decision and the new tat, to be kept until it passes. The Lua script in
// redis.go is the same function; TestLuaMatchesGo holds them together.
func gcra(tat, now, interval int64, burst int) (Decision, int64) {
	tat = max(tat, now)
	next := tat + interval
	allowAt := next - int64(burst)*interval // the earliest this request fits
	if allowAt > now {
		return Decision{Limit: burst, RetryAfter: micros(allowAt - now), Reset: micros(tat - now)}, tat
	}
	return Decision{Allowed: true, Limit: burst, Remaining: int((now - allowAt) / interval), Reset: micros(next - now)}, next
}

func micros(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// ClientKey turns a client IP into a subject id. IPv6 clients are keyed by
// their /64, which one subscriber usually owns whole.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if addr.Is4() {
		return ip // netip accepts only the canonical dotted form
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}
