package bench

import (
	"context"
	"testing"
	"time"
)

func TestSSEVersion(t *testing.T) {
	cases := map[string]int{
		`data: {"flight_id":"f","seat_number":"1A","status":"held","version":42}` + "\n": 42,
		`data: {"version":7,"flight_id":"f"}` + "\n":                                     7,
		`id: 1-0` + "\n":                  0,
		`data: {"flight_id":"f"}` + "\n":  0,
		`: ping` + "\n":                   0,
		`retry: 2000` + "\n":              0,
		`data: {"version":x}` + "\n":      0,
		`event: seat_held` + "\n":         0,
		`data: {"version":123456}` + "\n": 123456,
	}
	for line, want := range cases {
		if got := sseVersion([]byte(line)); got != want {
			t.Errorf("sseVersion(%q) = %d, want %d", line, got, want)
		}
	}
}

func TestSSEQuantile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0: 1} {
		if got := sseQuantile(d, q); got != want {
			t.Errorf("quantile %v = %v, want %v", q, got, want)
		}
	}
	if got := sseQuantile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("one sample: %v", got)
	}
}

// A run against the bare broadcaster measures every delivery.
func TestRunSSEAgainstTheBareBroadcaster(t *testing.T) {
	b, err := startSSEBare()
	if err != nil {
		t.Fatal(err)
	}
	defer b.stop()
	r, err := runSSE(context.Background(), b, 20, 5, 200)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deliveries != 100 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Fatalf("result %+v, want 100 deliveries, no error, ordered percentiles", r)
	}
}
