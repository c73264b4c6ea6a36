package proxy

import (
	"math"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// instance is one address of a service: a resolved IP (or, until its name
// first resolves, the name itself) behind one configured base URL. Its
// counters are atomics so that picking and counting take no lock.
type instance struct {
	base *base
	addr string // host:port dialled, the metrics label
	url  *url.URL
	rp   *httputil.ReverseProxy

	active   atomic.Int64 // requests in flight (streams not counted)
	streams  atomic.Int64 // open streams
	failures atomic.Int64 // consecutive ejections; reset by a success
	until    atomic.Int64 // ejected until this UnixNano; 0: admitted
	ejected  atomic.Uint64
}

func (in *instance) load(stream bool) int64 {
	if stream {
		return in.streams.Load()
	}
	return in.active.Load()
}

func (in *instance) admitted(now int64) bool { return in.until.Load() <= now }

// eject keeps in out of the rotation for base, doubled for each ejection in
// a row, up to max. A failure while already ejected (requests that were in
// flight, or tried because every instance was out) does not extend it.
// It reports whether this call ejected in.
func (in *instance) eject(now int64, base, max time.Duration) (time.Duration, bool) {
	// Claim the ejection first: of the requests that fail together (an
	// instance that died with many in flight), one ejects and counts.
	old := in.until.Load()
	if old > now || !in.until.CompareAndSwap(old, now+1) {
		return 0, false
	}
	n := in.failures.Add(1)
	d := base
	for i := int64(1); i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	in.until.Store(now + int64(d))
	in.ejected.Add(1)
	return d, true
}

// succeed re-admits in for good after an answer. The loads keep the hot
// path free of writes to a shared cache line when nothing changed.
func (in *instance) succeed() {
	if in.failures.Load() != 0 {
		in.failures.Store(0)
	}
}

// set is one snapshot of a service's instances; it is replaced, never
// changed, when a name resolves to other addresses.
type set struct {
	all []*instance
}

// pick returns the admitted instance with the fewest requests (or streams)
// in flight, other than avoid. The scan starts at a rotating offset, so
// instances that tie (idle ones) take turns. When every instance is
// ejected it returns the one whose ejection ends first: better to try than
// to refuse everything. nil only when there is nothing but avoid.
func (s *set) pick(start uint64, now int64, avoid *instance, stream bool) *instance {
	n := len(s.all)
	var best, fallback *instance
	bestLoad, soonest := int64(math.MaxInt64), int64(math.MaxInt64)
	for i := range n {
		in := s.all[(int(start%uint64(n))+i)%n]
		if in == avoid {
			continue
		}
		if until := in.until.Load(); until > now {
			if until < soonest {
				fallback, soonest = in, until
			}
			continue
		}
		if l := in.load(stream); l < bestLoad {
			best, bestLoad = in, l
		}
	}
	if best == nil {
		return fallback
	}
	return best
}
