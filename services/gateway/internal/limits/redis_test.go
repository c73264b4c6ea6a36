package limits_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/services/gateway/internal/limits"
)

// open returns a client of its own on url, closed when the test ends.
func open(t testing.TB, url string) rueidis.Client {
	t.Helper()
	c, err := redis.Open(redis.Config{URL: url, Prefix: "unused"}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// newLimiter is one gateway instance's limiter: a client of its own.
func newLimiter(t testing.TB, url, prefix string, budgets ...limits.Budget) *limits.Limiter {
	t.Helper()
	l, err := limits.New(open(t, url), prefix, time.Second, budgets...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// redisNow is the Redis clock, the one the budgets are counted by.
func redisNow(t testing.TB, c rueidis.Client) time.Time {
	t.Helper()
	v, err := c.Do(context.Background(), c.B().Time().Build()).AsIntSlice()
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(v[0], v[1]*1000)
}

func allow(t testing.TB, p *limits.Policy, s limits.Subject) limits.Decision {
	t.Helper()
	d, err := p.Allow(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func near(got, want time.Duration) bool { return got > want-time.Second && got <= want }

// The script is gcra: the same answers as TestGCRA's, up to the µs that
// pass between calls; the key lives exactly as long as it matters.
func TestRedisDecisions(t *testing.T) {
	url, prefix := testenv.Redis(t)
	l := newLimiter(t, url, prefix, limits.Budget{Name: limits.Search, PerSecond: 0.01, Burst: 3}) // 100 s a request
	p := l.Policy(limits.Search)
	s := limits.Client("192.0.2.1")
	for i, want := range []int{2, 1, 0} {
		d := allow(t, p, s)
		if !d.Allowed || d.Remaining != want || d.Limit != 3 || !near(d.Reset, time.Duration(i+1)*100*time.Second) {
			t.Fatalf("request %d: %+v, want allowed with %d left, reset %ds", i, d, want, (i+1)*100)
		}
	}
	for range 2 { // refusals cost nothing
		d := allow(t, p, s)
		if d.Allowed || d.Remaining != 0 || !near(d.RetryAfter, 100*time.Second) || !near(d.Reset, 300*time.Second) {
			t.Fatalf("over the burst: %+v, want refused, retry in 100s, reset 300s", d)
		}
	}
	c := open(t, url)
	key := prefix + ":ratelimit:{search:ip:192.0.2.1}"
	if got := p.Key(s); got != key {
		t.Fatalf("key %q, want %q", got, key)
	}
	ttl, err := c.Do(context.Background(), c.B().Pttl().Key(key).Build()).AsInt64()
	if err != nil || ttl <= 299_000 || ttl > 300_000 {
		t.Fatalf("PTTL %d %v, want the reset (300 s)", ttl, err)
	}
}

// Hammering a budget for two seconds of the Redis clock lets through
// rate × elapsed + burst requests, within 10%.
func TestRateHoldsUnderHammering(t *testing.T) {
	url, prefix := testenv.Redis(t)
	const rate, burst = 100.0, 20
	l := newLimiter(t, url, prefix, limits.Budget{Name: limits.Search, PerSecond: rate, Burst: burst})
	p, s := l.Policy(limits.Search), limits.Client("192.0.2.1")
	clock := open(t, url)
	start := redisNow(t, clock)
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for time.Since(start) < 2*time.Second { // local clock: only when to stop
				if allow(t, p, s).Allowed {
					allowed.Add(1)
				} else {
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := redisNow(t, clock).Sub(start).Seconds()
	want := rate*elapsed + burst
	got := float64(allowed.Load())
	t.Logf("%.0f allowed, %d refused in %.2fs; want %.0f", got, refused.Load(), elapsed, want)
	if got < 0.9*want || got > 1.1*want || refused.Load() < int64(got) {
		t.Fatalf("%.0f allowed in %.2fs of Redis time, want %.0f ± 10%% (and the budget exceeded: %d refused)",
			got, elapsed, want, refused.Load())
	}
}

// Two gateway instances, each with its own Redis client, spend one budget.
func TestInstancesShareOneBudget(t *testing.T) {
	url, prefix := testenv.Redis(t)
	b := limits.Budget{Name: limits.Holds, PerSecond: 0.001, Burst: 10}
	a, z := newLimiter(t, url, prefix, b), newLimiter(t, url, prefix, b)
	s := limits.Guest("g_one")
	allowed := 0
	for i := range 30 {
		l := a
		if i%2 == 1 {
			l = z
		}
		if allow(t, l.Policy(limits.Holds), s).Allowed {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("%d allowed across two instances, want the one burst of 10", allowed)
	}
}

// Subjects and budgets do not share: one exhausted leaves the others whole.
func TestSubjectsAndBudgetsAreSeparate(t *testing.T) {
	url, prefix := testenv.Redis(t)
	l := newLimiter(t, url, prefix,
		limits.Budget{Name: limits.Search, PerSecond: 0.001, Burst: 2},
		limits.Budget{Name: limits.Holds, PerSecond: 0.001, Burst: 2})
	search, holds := l.Policy(limits.Search), l.Policy(limits.Holds)
	ip := limits.Client("192.0.2.1")
	for range 3 {
		allow(t, search, ip)
	}
	if allow(t, search, ip).Allowed {
		t.Fatal("search budget not exhausted")
	}
	for name, c := range map[string]struct {
		p *limits.Policy
		s limits.Subject
	}{
		"holds, same address":   {holds, ip},
		"search, other address": {search, limits.Client("192.0.2.2")},
		"search, a guest":       {search, limits.Guest("g_192.0.2.1")},
	} {
		if d := allow(t, c.p, c.s); !d.Allowed || d.Remaining != 1 {
			t.Errorf("%s: %+v, want a whole budget", name, d)
		}
	}
}

// relay forwards TCP connections to Redis until told to stall (answers
// are dropped: Redis is late) or to cut (connections close: Redis is gone).
type relay struct {
	ln      net.Listener
	stalled atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func newRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln}
	t.Cleanup(r.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			go func() { _, _ = io.Copy(up, c) }()
			go r.answer(c, up)
		}
	}()
	return r
}

func (r *relay) answer(client, up net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if err != nil {
			return
		}
		if !r.stalled.Load() {
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}

func (r *relay) cut() {
	r.ln.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

// While Redis is late or gone, each instance decides alone with the same
// budget, says so with an error, and answers within the timeout.
func TestFallbackWhileRedisFails(t *testing.T) {
	url, prefix := testenv.Redis(t)
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"late", "gone"} {
		t.Run(mode, func(t *testing.T) {
			r := newRelay(t, opt.InitAddress[0])
			c := open(t, fmt.Sprintf("redis://%s/%d", r.ln.Addr(), opt.SelectDB))
			const timeout = 200 * time.Millisecond
			l, err := limits.New(c, prefix, timeout, limits.Budget{Name: limits.Tokens, PerSecond: 0.001, Burst: 2})
			if err != nil {
				t.Fatal(err)
			}
			p, s := l.Policy(limits.Tokens), limits.Guest("g_"+mode)
			if d := allow(t, p, s); !d.Allowed { // through Redis
				t.Fatalf("first request: %+v", d)
			}
			if mode == "late" {
				r.stalled.Store(true)
			} else {
				r.cut()
			}
			var got []bool
			for range 3 {
				began := time.Now()
				d, err := p.Allow(context.Background(), s)
				if err == nil {
					t.Fatal("no error while Redis fails")
				}
				if waited := time.Since(began); waited > timeout+time.Second {
					t.Fatalf("a decision took %v with a %v timeout", waited, timeout)
				}
				got = append(got, d.Allowed)
			}
			// The local budget is whole at first (it never saw Redis' count).
			if fmt.Sprint(got) != "[true true false]" {
				t.Fatalf("fallback decisions %v, want the local burst of 2 then a refusal", got)
			}
		})
	}
}

func TestNewRefusesBadBudgets(t *testing.T) {
	url, prefix := testenv.Redis(t)
	c := open(t, url)
	for _, b := range []limits.Budget{
		{Name: "x", PerSecond: 0, Burst: 1}, {Name: "x", PerSecond: -1, Burst: 1},
		{Name: "x", PerSecond: 1, Burst: 0}, {Name: "", PerSecond: 1, Burst: 1},
	} {
		if _, err := limits.New(c, prefix, time.Second, b); err == nil {
			t.Errorf("New accepted %+v", b)
		}
	}
	b := limits.Budget{Name: "x", PerSecond: 1, Burst: 1}
	if _, err := limits.New(c, prefix, time.Second, b, b); err == nil {
		t.Error("New accepted a budget twice")
	}
}

// BenchmarkAllow is one request's rate-limit decision against Redis, from
// many goroutines as a busy gateway would: one EVALSHA round trip each.
func BenchmarkAllow(b *testing.B) {
	url, prefix := testenv.Redis(b)
	l := newLimiter(b, url, prefix, limits.Budget{Name: limits.Search, PerSecond: 1e6, Burst: 1_000_000})
	p := l.Policy(limits.Search)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8) // 8 goroutines a core: waits overlap, calls pipeline
	b.RunParallel(func(pb *testing.PB) {
		s := limits.Client(fmt.Sprintf("192.0.2.%d", n.Add(1)%250))
		for pb.Next() {
			if _, err := p.Allow(context.Background(), s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAllowSerial is the latency one request pays: a decision with
// nothing else in flight.
func BenchmarkAllowSerial(b *testing.B) {
	url, prefix := testenv.Redis(b)
	l := newLimiter(b, url, prefix, limits.Budget{Name: limits.Search, PerSecond: 1e6, Burst: 1_000_000})
	p, s := l.Policy(limits.Search), limits.Client("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Allow(context.Background(), s); err != nil {
			b.Fatal(err)
		}
	}
}
