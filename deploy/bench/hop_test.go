package bench

import (
	"strings"
	"testing"
	"time"
)

func TestWriteHopsReadsEachRoundAgainstItsOwnBaselines(t *testing.T) {
	run := func(name string, round int, rate float64, p99 time.Duration) Hop {
		return Hop{Closed: Closed{Name: name, Workers: 1, Rate: rate, P99: p99}, Round: round}
	}
	hops := []Hop{
		run("direct", 1, 400, 4*time.Millisecond), run("bare", 1, 200, 10*time.Millisecond), run("gateway", 1, 180, 12*time.Millisecond),
		run("direct", 2, 300, 5*time.Millisecond), run("bare", 2, 100, 20*time.Millisecond), run("gateway", 2, 120, 16*time.Millisecond),
		run("direct", 3, 500, 3*time.Millisecond), run("bare", 3, 150, 15*time.Millisecond), run("gateway", 3, 150, 15*time.Millisecond),
	}
	var b strings.Builder
	WriteHops(&b, hops)
	out := b.String()
	for _, want := range []string{
		"| gateway | 1 | 1 | 0 | 0 | 180/s | 45% | 90% |",  // round 1's own baselines
		"| gateway | 2 | 1 | 0 | 0 | 120/s | 40% | 120% |", // round 2's
		"| gateway | 150/s | 100% | 15.000 ms | 100% |",    // medians: 150 of 150, 15 ms of 15 ms
		"| direct | 400/s | 267% | 4.000 ms | 27% |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
