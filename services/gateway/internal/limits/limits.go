// Package limits keeps one token bucket per client and answers whether a
// request may pass and, if not, when to retry.
package limits

import (
	"errors"
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a set of token buckets keyed by client. A bucket idle long
// enough to have refilled completely is dropped: a new one would be
// identical, so eviction never changes an answer and memory stays
// proportional to the clients seen within one refill period.
type Limiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New allows perSecond requests per second per key with bursts of burst.
func New(perSecond float64, burst int) (*Limiter, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) || burst < 1 {
		return nil, errors.New("limits: rate and burst must be positive")
	}
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &Limiter{
		limit: rate.Limit(perSecond), burst: burst,
		idle:    max(refill, time.Second),
		buckets: map[string]*bucket{},
	}, nil
}

// PerMinute is New for a budget counted per minute.
func PerMinute(n int) (*Limiter, error) {
	return New(float64(n)/60, n)
}

// Allow takes one token from key's bucket. When none is left it returns
// false and how long until one will be.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}

// Len is the number of buckets held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.idle {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
		}
	}
}

// ClientKey turns a client IP into a bucket key. IPv6 clients are keyed by
// their /64, which one subscriber usually owns whole.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}
