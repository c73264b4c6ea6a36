package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHop compares one search through the pool with the same search
// through a bare httputil.ReverseProxy, both in front of one backend that
// answers a search-sized JSON body of unknown length (as echo's c.JSON
// does), over loopback with keep-alive.
func BenchmarkHop(b *testing.B) {
	answer := []byte(`{"legs":[` + strings.Repeat(`{"flight_id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","departs_at":"2026-12-06T08:00:00Z","fare":"199.00"},`, 60) + `{}]}`)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		half := len(answer) / 2
		_, _ = w.Write(answer[:half])
		_, _ = w.Write(answer[half:])
	}))
	b.Cleanup(backend.Close)
	target, _ := url.Parse(backend.URL)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, 256 // as the pool's transport
	bare := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, Transport: t}
	up, err := newPoolB(target)
	if err != nil {
		b.Fatal(err)
	}
	pool := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := up.Forward(w, r, true); err != nil {
			http.Error(w, "upstream", http.StatusBadGateway)
		}
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"pool", pool}} {
		b.Run(c.name, func(b *testing.B) {
			front := httptest.NewServer(c.h)
			defer front.Close()
			client := front.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
			body := []byte(`{"legs":[{"origin_airport_code":"JFK","destination_airport_code":"LHR","date":"2026-12-06"}],"passenger_count":1}`)
			b.ReportAllocs()
			var short atomic.Int64
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := client.Post(front.URL+"/v1/flights/search", "application/json", bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Fatalf("status %d", res.StatusCode)
					}
					if n != int64(len(answer)) {
						short.Add(1)
					}
				}
			})
			// Wall time per request swings with whatever else the machine
			// runs; the CPU the process spent per request does much less.
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
			// A bare proxy that flushes every write now and then cuts an
			// answer short under this load (the upstream connection is
			// closed under it); counted, not fatal, so the comparison runs.
			b.ReportMetric(float64(short.Load()), "short-answers")
		})
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
