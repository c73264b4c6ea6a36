// Package bench drives open-model HTTP load (vegeta as a library) at a
// running Altis fleet and reports throughput and latency percentiles.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Routes are seeded routes the search load rotates through.
var Routes = [][2]string{
	{"JFK", "LHR"}, {"LHR", "JFK"}, {"LHR", "CDG"}, {"JFK", "LAX"}, {"JFK", "ORD"},
	{"DXB", "LHR"}, {"SIN", "LHR"}, {"LHR", "FRA"}, {"JFK", "BOS"}, {"BOS", "LHR"},
}

// SearchTargets builds one search per route for each of the next days.
func SearchTargets(baseURL string, days int, now time.Time) []vegeta.Target {
	header := http.Header{"Content-Type": []string{"application/json"}}
	var out []vegeta.Target
	for d := 1; d <= days; d++ {
		date := now.UTC().AddDate(0, 0, d).Format(time.DateOnly)
		for _, r := range Routes {
			body, _ := json.Marshal(map[string]any{
				"legs":            []map[string]string{{"origin_airport_code": r[0], "destination_airport_code": r[1], "date": date}},
				"passenger_count": 1,
			})
			out = append(out, vegeta.Target{Method: http.MethodPost, URL: baseURL + "/v1/flights/search", Body: body, Header: header})
		}
	}
	return out
}

// Result summarises one constant-rate attack.
type Result struct {
	Name        string
	Rate        int
	Duration    time.Duration
	Requests    uint64
	Throughput  float64
	Success     float64
	P50, P90    time.Duration
	P99, Max    time.Duration
	StatusCodes map[string]int
	// ServerP99 bounds the service's own p99 (its latency histogram, so
	// without the load generator's and the network's share); ServerWithin1ms
	// is the share of requests the service answered within 1 ms.
	ServerP99       time.Duration
	ServerWithin1ms float64
}

// Attack sends rate requests per second for d, whatever the latency (an
// open model: a slow server is not given time to catch up).
func Attack(name string, targets []vegeta.Target, rate int, d time.Duration) Result {
	attacker := vegeta.NewAttacker(vegeta.KeepAlive(true), vegeta.Workers(64), vegeta.MaxWorkers(2048),
		vegeta.Connections(256), vegeta.Timeout(5*time.Second))
	var m vegeta.Metrics
	for res := range attacker.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: rate, Per: time.Second}, d, name) {
		m.Add(res)
	}
	m.Close()
	return Result{
		Name: name, Rate: rate, Duration: d, Requests: m.Requests, Throughput: m.Throughput,
		Success: m.Success, P50: m.Latencies.P50, P90: m.Latencies.P90, P99: m.Latencies.P99,
		Max: m.Latencies.Max, StatusCodes: m.StatusCodes,
	}
}

// Warm sends a short burst so connections, caches and scripts are warm.
func Warm(targets []vegeta.Target) {
	Attack("warm-up", targets, 200, 2*time.Second)
}

// WriteTable prints results as a Markdown table.
func WriteTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| target | offered rate | achieved | success | client p50 | p90 | p99 | max | service p99 ≤ | service ≤ 1 ms |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d/s for %s | %.0f/s | %.2f%% | %s | %s | %s | %s | %s | %.2f%% |\n",
			r.Name, r.Rate, r.Duration, r.Throughput, r.Success*100,
			ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), ms(r.ServerP99), r.ServerWithin1ms*100)
	}
}

// Millis prints d in milliseconds, as every table here does.
func Millis(d time.Duration) string { return ms(d) }

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }
