package limits

import (
	"sync"
	"time"
)

// local is one budget kept in this process: the fallback while Redis does
// not answer. Its arithmetic is the Redis script's; only the clock and the
// store differ. A subject whose arrival time has passed is at full burst,
// exactly as if unknown, so sweeping it away never changes an answer and
// memory stays proportional to the subjects seen within one refill.
type local struct {
	interval int64
	burst    int

	mu        sync.Mutex
	tat       map[Subject]int64
	lastSweep int64
}

func newLocal(b Budget) *local {
	return &local{interval: b.interval(), burst: b.Burst, tat: map[Subject]int64{}}
}

func (l *local) allow(s Subject, now time.Time) Decision {
	us := now.UnixMicro()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(us)
	d, tat := gcra(l.tat[s], us, l.interval, l.burst)
	if d.Allowed {
		l.tat[s] = tat
	}
	return d
}

// sweep drops passed arrival times, at most once per refill period.
func (l *local) sweep(now int64) {
	if now-l.lastSweep < max(int64(l.burst)*l.interval, int64(time.Second/time.Microsecond)) {
		return
	}
	l.lastSweep = now
	for s, tat := range l.tat {
		if tat <= now {
			delete(l.tat, s)
		}
	}
}

func (l *local) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tat)
}
