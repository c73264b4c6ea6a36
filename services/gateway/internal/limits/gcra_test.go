package limits

import (
	"testing"
	"time"
)

func TestGCRA(t *testing.T) {
	const second = int64(time.Second / time.Microsecond)
	// 1 a second, 3 at once, all at t=100s, then 1s later, then idle.
	steps := []struct {
		now               int64
		allowed           bool
		remaining         int
		retryAfter, reset time.Duration
	}{
		{100 * second, true, 2, 0, 1 * time.Second},
		{100 * second, true, 1, 0, 2 * time.Second},
		{100 * second, true, 0, 0, 3 * time.Second},
		{100 * second, false, 0, 1 * time.Second, 3 * time.Second},
		{100 * second, false, 0, 1 * time.Second, 3 * time.Second}, // a refusal costs nothing
		{101 * second, true, 0, 0, 3 * time.Second},
		{200 * second, true, 2, 0, 1 * time.Second}, // idle: whole again
	}
	var tat int64
	for i, s := range steps {
		var d Decision
		d, tat = gcra(tat, s.now, second, 3)
		if d.Allowed != s.allowed || d.Remaining != s.remaining || d.RetryAfter != s.retryAfter || d.Reset != s.reset || d.Limit != 3 {
			t.Fatalf("step %d: %+v, want allowed=%v remaining=%d retry=%v reset=%v",
				i, d, s.allowed, s.remaining, s.retryAfter, s.reset)
		}
	}
}

func TestLocalForgetsIdleSubjects(t *testing.T) {
	l := newLocal(Budget{Name: "b", PerSecond: 10, Burst: 10}) // whole again after 1s
	now := time.Unix(1000, 0)
	for _, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		l.allow(Client(ip), now)
	}
	if n := l.len(); n != 3 {
		t.Fatalf("%d subjects, want 3", n)
	}
	l.allow(Client("192.0.2.4"), now.Add(2*time.Second))
	if n := l.len(); n != 1 {
		t.Fatalf("%d subjects after an idle period, want 1", n)
	}
}

func TestClientKey(t *testing.T) {
	cases := map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::9": "2001:db8:1:2::/64",
		"not-an-ip":            "not-an-ip",
	}
	for in, want := range cases {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
