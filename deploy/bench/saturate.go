package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Closed is the result of a closed-model run: workers send requests back
// to back, so the achieved rate is the most the target sustains.
type Closed struct {
	Name       string
	Workers    int
	Elapsed    time.Duration
	Requests   int
	Errors     int // transport errors and unexpected statuses
	Rate       float64
	P50, P99   time.Duration
	Max        time.Duration
	FirstError string
}

// Saturate sends requests from workers concurrently until d has passed or
// next reports no more requests. next(i) builds the i-th request; want is
// the status every answer must have.
func Saturate(ctx context.Context, name string, workers int, d time.Duration, want int,
	client *http.Client, next func(i int) (*http.Request, bool)) Closed {
	var (
		counter atomic.Int64
		mu      sync.Mutex
		lats    []time.Duration
		errs    int
		first   string
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			bad, firstBad := 0, ""
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req, ok := next(int(counter.Add(1) - 1))
				if !ok {
					break
				}
				t0 := time.Now()
				err := send(client, req, want)
				local = append(local, time.Since(t0))
				if err != nil {
					if bad++; firstBad == "" {
						firstBad = err.Error()
					}
				}
			}
			mu.Lock()
			lats, errs = append(lats, local...), errs+bad
			if first == "" {
				first = firstBad
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lats)
	r := Closed{Name: name, Workers: workers, Elapsed: elapsed, Requests: len(lats), Errors: errs, FirstError: first}
	if len(lats) > 0 {
		r.Rate = float64(len(lats)) / elapsed.Seconds()
		r.P50, r.P99, r.Max = lats[len(lats)/2], lats[len(lats)*99/100], lats[len(lats)-1]
	}
	return r
}

func send(client *http.Client, req *http.Request, want int) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return nil
}

// WriteClosed prints closed-model results as a Markdown table, each rate
// also as a share of the first row's (the baseline).
func WriteClosed(w io.Writer, results []Closed) {
	fmt.Fprintln(w, "| target | workers | requests | errors | rate | of baseline | p50 | p99 | max |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		share := 0.0
		if results[0].Rate > 0 {
			share = r.Rate / results[0].Rate * 100
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f/s | %.0f%% | %s | %s | %s |\n",
			r.Name, r.Workers, r.Requests, r.Errors, r.Rate, share, ms(r.P50), ms(r.P99), ms(r.Max))
	}
	for _, r := range results {
		if r.FirstError != "" {
			fmt.Fprintf(w, "\n%s: first error: %s\n", r.Name, r.FirstError)
		}
	}
}

// NewClient is an HTTP client that keeps a connection per worker.
func NewClient(workers int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = workers*2, workers*2, workers*2
	return &http.Client{Transport: t, Timeout: 10 * time.Second}
}

// JSONRequest is a POST of body to url.
func JSONRequest(url string, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}
