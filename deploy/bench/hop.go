package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"time"
)

// ServeProxy serves a bare httputil.ReverseProxy to target on addr until
// ctx ends: the hop a gateway cannot beat, the baseline its own hop is read
// against. Its one tuning is keeping enough idle connections (the default
// two per host would measure connection set-up, not the hop).
func ServeProxy(ctx context.Context, addr, target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("proxy target %q: want an absolute URL", target)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, 256
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: t}
	return serveUntil(ctx, addr, rp)
}

// StartProxy runs `exe <flag> <target> <addr>` (a program that calls
// ServeProxy) on a free port and waits until target's /healthz answers
// through it. stop ends it.
func StartProxy(ctx context.Context, exe, flag, target string) (url string, stop func(), err error) {
	return startChild(ctx, http.MethodGet, "/healthz", exe, flag, target)
}

// SearchRequests is a closed-model request source: the i-th of the
// seeded searches (SearchTargets) against baseURL, round and round.
func SearchRequests(baseURL string, now time.Time) func(i int) (*http.Request, bool) {
	targets := SearchTargets(baseURL, 7, now)
	return func(i int) (*http.Request, bool) {
		return JSONRequest(targets[i%len(targets)].URL, targets[i%len(targets)].Body), true
	}
}

// Hop is one closed-model search run in a hop comparison.
type Hop struct {
	Closed
	Round int
}

// WriteHops prints the hop comparison: each run's rate as a share of the
// same round's direct and bare-proxy runs (the first two of each round).
func WriteHops(w io.Writer, hops []Hop) {
	fmt.Fprintln(w, "| target | round | workers | requests | errors | rate | of direct | of bare proxy | p50 | p99 | max |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	base := map[int][]float64{}
	for _, h := range hops {
		base[h.Round] = append(base[h.Round], h.Rate)
	}
	for _, h := range hops {
		ref := base[h.Round]
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.0f/s | %s | %s | %s | %s | %s |\n",
			h.Name, h.Round, h.Workers, h.Requests, h.Errors, h.Rate, share(h.Rate, ref, 0), share(h.Rate, ref, 1),
			ms(h.P50), ms(h.P99), ms(h.Max))
	}
	writeMedians(w, hops)
	for _, h := range hops {
		if h.FirstError != "" {
			fmt.Fprintf(w, "\n%s (round %d): first error: %s\n", h.Name, h.Round, h.FirstError)
		}
	}
}

// writeMedians sums the rounds up per target: the median rate and p99, so
// one disturbed round on a shared machine does not decide the comparison.
func writeMedians(w io.Writer, hops []Hop) {
	var names []string
	rates, p99s := map[string][]float64{}, map[string][]time.Duration{}
	for _, h := range hops {
		if _, ok := rates[h.Name]; !ok {
			names = append(names, h.Name)
		}
		rates[h.Name] = append(rates[h.Name], h.Rate)
		p99s[h.Name] = append(p99s[h.Name], h.P99)
	}
	if len(names) < 2 {
		return
	}
	bareRate, bareP99 := median(rates[names[1]]), median(p99s[names[1]])
	fmt.Fprintf(w, "\nMedians over %d rounds\n\n", len(rates[names[0]]))
	fmt.Fprintln(w, "| target | rate | of bare proxy | p99 | of bare proxy's p99 |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, n := range names {
		r, p := median(rates[n]), median(p99s[n])
		fmt.Fprintf(w, "| %s | %.0f/s | %.0f%% | %s | %.0f%% |\n", n, r, r/bareRate*100, ms(p), float64(p)/float64(bareP99)*100)
	}
}

func median[T float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func share(rate float64, ref []float64, i int) string {
	if i >= len(ref) || ref[i] == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", rate/ref[i]*100)
}
