package limits_test

import (
	"testing"
	"time"

	"github.com/altisair/altis/services/gateway/internal/limits"
)

func TestAllowBurstThenRetryAfter(t *testing.T) {
	l, err := limits.New(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	for i := range 2 {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("request %d refused inside the burst", i)
		}
	}
	ok, wait := l.Allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("after burst: ok=%v wait=%v, want refused with 0<wait<=1s", ok, wait)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Fatal("another client shares the bucket")
	}
	if ok, _ := l.Allow("a", now.Add(time.Second)); !ok {
		t.Fatal("a token did not come back after 1s")
	}
}

func TestRefusalDoesNotConsume(t *testing.T) {
	l, _ := limits.New(1, 1)
	now := time.Unix(1000, 0)
	l.Allow("a", now)
	for range 5 {
		l.Allow("a", now) // refused; must not push the next token further out
	}
	if ok, _ := l.Allow("a", now.Add(time.Second)); !ok {
		t.Fatal("refused requests consumed tokens")
	}
}

func TestIdleBucketsEvicted(t *testing.T) {
	l, _ := limits.New(10, 10) // refills in 1s
	now := time.Unix(1000, 0)
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(k, now)
	}
	if l.Len() != 3 {
		t.Fatalf("len %d, want 3", l.Len())
	}
	l.Allow("d", now.Add(2*time.Second))
	if l.Len() != 1 {
		t.Fatalf("len %d after idle period, want 1 (only d)", l.Len())
	}
}

func TestNewRefusesNonPositive(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
	}{{0, 1}, {-1, 1}, {1, 0}} {
		if _, err := limits.New(c.rate, c.burst); err == nil {
			t.Errorf("New(%v, %d) accepted", c.rate, c.burst)
		}
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
		if got := limits.ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
