package bench

import (
	"strings"
	"testing"
	"time"
)

// pgbench 15's summary of a run in which one client stopped on an error.
const pgbenchAbortedRun = `pgbench (15.20 (Debian 15.20-0+deb12u1))
ERROR:  duplicate key value violates unique constraint "booked_seats_one_sale"
pgbench: error: client 1 script 0 command 8 query 0: expected one row, got 0
pgbench: error: Run was aborted; the above results are incomplete.
transaction type: /tmp/altis-commit-pgbench-1/commit.pgbench
scaling factor: 1
query mode: prepared
number of clients: 32
number of threads: 2
maximum number of tries: 1
duration: 8 s
number of transactions actually processed: 12345
number of failed transactions: 3 (0.024%)
latency average = 20.734 ms
initial connection time = 58.352 ms
tps = 1543.201945 (without initial connection time)
`

func TestParsePgbench(t *testing.T) {
	s, err := ParsePgbench(pgbenchAbortedRun)
	if err != nil {
		t.Fatal(err)
	}
	want := PgbenchSummary{Processed: 12345, Failed: 3, Aborted: 1, LatencyAvg: 20734 * time.Microsecond, TPS: 1543.201945,
		FirstError: "client 1 script 0 command 8 query 0: expected one row, got 0"}
	if s != want {
		t.Errorf("ParsePgbench = %+v, want %+v", s, want)
	}
}

func TestParsePgbenchWithoutSummary(t *testing.T) {
	if _, err := ParsePgbench("pgbench: error: connection to server failed\n"); err == nil {
		t.Error("no summary: want an error")
	}
}

func TestParsePgbenchLog(t *testing.T) {
	log := "0 1 45225 0 1796430861 911132\n" +
		"1 1 4068 0 1796430861 915231\n" +
		"2 1 failed 0 1796430861 915300\n" +
		"\n" +
		"3 1 1200 0 1796430861 915400\n"
	lats, bad := parsePgbenchLog(strings.NewReader(log))
	want := []time.Duration{45225 * time.Microsecond, 4068 * time.Microsecond, 1200 * time.Microsecond}
	if bad != 1 || len(lats) != len(want) {
		t.Fatalf("parsePgbenchLog = %v, %d bad; want %v, 1 bad", lats, bad, want)
	}
	for i := range want {
		if lats[i] != want[i] {
			t.Errorf("latency %d = %s, want %s", i, lats[i], want[i])
		}
	}
}

func TestPercentiles(t *testing.T) {
	var lats []time.Duration
	for i := 100; i >= 1; i-- {
		lats = append(lats, time.Duration(i)*time.Millisecond)
	}
	p50, p99, maxLat := percentiles(lats)
	if p50 != 51*time.Millisecond || p99 != 100*time.Millisecond || maxLat != 100*time.Millisecond {
		t.Errorf("percentiles = %s, %s, %s", p50, p99, maxLat)
	}
	if p50, p99, maxLat := percentiles(nil); p50 != 0 || p99 != 0 || maxLat != 0 {
		t.Error("no latencies: want zeros")
	}
}

func TestRotate(t *testing.T) {
	pool := seatPool{order: []string{"f1", "f2", "f3"}, free: map[string][]string{
		"f1": {"1A", "1B"}, "f2": {"2A"}, "f3": {"3A", "3B", "3C"},
	}}
	picks, err := rotate(pool, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []seatPick{{"f1", "1A"}, {"f2", "2A"}, {"f3", "3A"}, {"f1", "1B"}, {"f3", "3B"}}
	for i := range want {
		if picks[i] != want[i] {
			t.Errorf("pick %d = %v, want %v", i, picks[i], want[i])
		}
	}
	if _, err := rotate(pool, 7); err == nil {
		t.Error("7 picks from 6 free seats: want an error")
	}
}

func TestCommitPlanSplit(t *testing.T) {
	p := &CommitPlan{}
	for _, tok := range []string{"a", "b", "c", "d", "e"} {
		p.commits = append(p.commits, plannedCommit{token: tok})
	}
	parts := p.Split(2)
	if parts[0].Len() != 2 || parts[1].Len() != 2 ||
		parts[0].commits[1].token != "c" || parts[1].commits[1].token != "d" {
		t.Errorf("Split(2) = %v, %v", parts[0].commits, parts[1].commits)
	}
	if _, ok := parts[0].Request("http://x", 2); ok {
		t.Error("Request past the plan: want false")
	}
	req, ok := parts[1].Request("http://x", 0)
	if !ok || req.URL.Path != "/v1/bookings/commit" || req.Header.Get("Authorization") != "Bearer b" {
		t.Errorf("Request(0) = %v, %v", req, ok)
	}
}
