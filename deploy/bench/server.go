package bench

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Buckets are the cumulative counts of one Prometheus latency histogram,
// by upper bound in seconds.
type Buckets map[float64]float64

// ScrapeSearchLatency reads the service's own latency histogram of
// successful searches (http_request_duration_seconds, as pkg/platform/web
// records it) from a /metrics endpoint.
func ScrapeSearchLatency(metricsURL string) (Buckets, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := Buckets{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "http_request_duration_seconds_bucket{") ||
			!strings.Contains(line, `route="/v1/flights/search"`) || !strings.Contains(line, `status="200"`) {
			continue
		}
		le, v, err := bucket(line)
		if err != nil {
			return nil, err
		}
		out[le] += v
	}
	return out, sc.Err()
}

func bucket(line string) (le, count float64, err error) {
	i := strings.Index(line, `le="`)
	if i < 0 {
		return 0, 0, fmt.Errorf("no le in %q", line)
	}
	rest := line[i+4:]
	raw := rest[:strings.IndexByte(rest, '"')]
	if raw == "+Inf" {
		le = math.Inf(1)
	} else if le, err = strconv.ParseFloat(raw, 64); err != nil {
		return 0, 0, err
	}
	count, err = strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
	return le, count, err
}

// Quantile returns the upper bound of the bucket holding quantile q of the
// requests counted between before and after (a bound, not an estimate),
// and the share of those requests answered within limit.
func Quantile(before, after Buckets, q float64, limit time.Duration) (bound time.Duration, within float64) {
	bounds := make([]float64, 0, len(after))
	for le := range after {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	total := after[math.Inf(1)] - before[math.Inf(1)]
	if total == 0 {
		return 0, 0
	}
	bound = -1
	for _, le := range bounds {
		n := after[le] - before[le]
		if le <= limit.Seconds() {
			within = n / total
		}
		if bound < 0 && n >= q*total {
			bound = time.Duration(le * float64(time.Second))
		}
	}
	return bound, within
}
