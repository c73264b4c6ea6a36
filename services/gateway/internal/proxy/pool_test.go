package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

// backend is one instance of a fake service. It answers with its name and
// the body it received, and can be stopped and started again on its address.
type backend struct {
	name    string
	addr    string
	handler http.HandlerFunc
	hits    atomic.Int64
	srv     *httptest.Server
}

func newBackend(t *testing.T, name, addr string, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{name: name, addr: addr, handler: h}
	b.start(t)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *backend) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(b.serve)}}
	b.srv.Start()
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	b.hits.Add(1)
	if b.handler != nil {
		b.handler(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	_, _ = fmt.Fprintf(w, "%s:%s", b.name, body)
}

func (b *backend) url() *url.URL { return &url.URL{Scheme: "http", Host: b.addr} }

func urls(bs ...*backend) []*url.URL {
	out := make([]*url.URL, len(bs))
	for i, b := range bs {
		out[i] = b.url()
	}
	return out
}

func options() proxy.Options {
	return proxy.Options{Timeout: 5 * time.Second, ResolveEvery: time.Second, EjectFor: time.Minute, EjectMax: time.Minute}
}

func newPool(t *testing.T, u []*url.URL, o proxy.Options) *proxy.Upstream {
	t.Helper()
	up, err := proxy.New("query", u, o, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func newPoolB(u *url.URL) (*proxy.Upstream, error) {
	return proxy.New("query", []*url.URL{u}, options(), logging.Discard())
}

// front serves the pool the way the gateway's router does: reads are
// marked, a stream path streams, an error is a 502 naming it.
func front(t *testing.T, up *proxy.Upstream, read bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if strings.HasSuffix(r.URL.Path, "/stream") {
			err = up.Stream(w, r)
		} else {
			err = up.Forward(w, r, read)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, base, body string) (int, string) {
	t.Helper()
	res, err := http.Post(base+"/v1/flights/search", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestIdleInstancesShareTheLoad(t *testing.T) {
	bs := []*backend{newBackend(t, "a", "127.0.0.1:0", nil), newBackend(t, "b", "127.0.0.1:0", nil), newBackend(t, "c", "127.0.0.1:0", nil)}
	srv := front(t, newPool(t, urls(bs...), options()), true)
	for range 90 {
		if status, _ := post(t, srv.URL, "{}"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	for _, b := range bs {
		if n := b.hits.Load(); n < 20 {
			t.Errorf("%s served %d of 90", b.name, n)
		}
	}
}

// TestSlowInstanceGetsFewer: an instance that holds its requests keeps a
// request in flight, so the balancer sends it another only when every
// other instance has as many: with four clients it holds a few at most,
// whatever the timing, while the others serve the rest.
func TestSlowInstanceGetsFewer(t *testing.T) {
	release := make(chan struct{})
	slow := newBackend(t, "slow", "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second): // only if the balancer ignores load
		case <-r.Context().Done():
		}
	})
	fast := []*backend{newBackend(t, "a", "127.0.0.1:0", nil), newBackend(t, "b", "127.0.0.1:0", nil)}
	srv := front(t, newPool(t, urls(slow, fast[0], fast[1]), options()), true)
	const clients, requests = 4, 200
	var (
		tickets atomic.Int64
		done    sync.Once
		wg      sync.WaitGroup
	)
	for range clients {
		wg.Go(func() {
			// More than one held request per client: the balancer
			// ignores load; stop at once.
			for tickets.Add(1) <= requests && slow.hits.Load() <= clients {
				if res, err := http.Post(srv.URL+"/v1/flights/search", "application/json", strings.NewReader("{}")); err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
			done.Do(func() { close(release) })
		})
	}
	wg.Wait()
	if s, a, b := slow.hits.Load(), fast[0].hits.Load(), fast[1].hits.Load(); s > clients || a+b < requests-clients {
		t.Fatalf("slow %d, fast %d and %d", s, a, b)
	}
}

func TestDeadInstanceIsRetriedAndEjected(t *testing.T) {
	bs := []*backend{newBackend(t, "a", "127.0.0.1:0", nil), newBackend(t, "b", "127.0.0.1:0", nil), newBackend(t, "c", "127.0.0.1:0", nil)}
	up := newPool(t, urls(bs...), options()) // ejections last a minute
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(up)
	srv := front(t, up, true)
	dead := bs[0]
	dead.srv.Close()
	for i := range 30 {
		body := fmt.Sprintf(`{"n":%d}`, i)
		status, got := post(t, srv.URL, body)
		if status != http.StatusOK || !strings.HasSuffix(got, ":"+body) {
			t.Fatalf("request %d: %d %q", i, status, got)
		}
	}
	// The first request that met the dead instance was resent; then the
	// instance was out and no request met it again.
	if n := metric(t, reg, "gateway_upstream_retries_total", ""); n != 1 {
		t.Fatalf("%v retries, want 1", n)
	}
	if n := metric(t, reg, "gateway_upstream_ejected", dead.addr); n != 1 {
		t.Fatalf("dead instance ejected = %v", n)
	}
}

func TestEjectedInstanceIsReadmitted(t *testing.T) {
	bs := []*backend{newBackend(t, "a", "127.0.0.1:0", nil), newBackend(t, "b", "127.0.0.1:0", nil)}
	o := options()
	o.EjectFor, o.EjectMax = 50*time.Millisecond, 100*time.Millisecond
	up := newPool(t, urls(bs...), o)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(up)
	srv := front(t, up, true)
	dead := bs[0]
	dead.srv.Close()
	for metric(t, reg, "gateway_upstream_ejections_total", dead.addr) == 0 {
		if status, _ := post(t, srv.URL, "{}"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	dead.start(t) // back on its address
	deadline := time.Now().Add(5 * time.Second)
	for dead.hits.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the instance was not readmitted")
		}
		if status, _ := post(t, srv.URL, "{}"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
}

func TestEveryInstanceEjectedStillTries(t *testing.T) {
	a, b := newBackend(t, "a", "127.0.0.1:0", nil), newBackend(t, "b", "127.0.0.1:0", nil)
	srv := front(t, newPool(t, urls(a, b), options()), true) // ejections last a minute
	a.srv.Close()
	b.srv.Close()
	for range 4 {
		if status, _ := post(t, srv.URL, "{}"); status != http.StatusBadGateway {
			t.Fatalf("status %d with both down", status)
		}
	}
	a.start(t)
	if status, got := post(t, srv.URL, "{}"); status != http.StatusOK {
		t.Fatalf("status %d %q with a back but ejected", status, got)
	}
}

// TestCommandIsNotSentTwice: an instance that takes the request and drops
// the connection may have acted on it, so the command is not retried.
func TestCommandIsNotSentTwice(t *testing.T) {
	notSentTwice(t, func(base string) int {
		status, _ := post(t, base, `{"hold":1}`)
		return status
	})
}

// TestBodilessCommandIsNotSentTwice: a command with no body (a DELETE, a
// cancel) is no more resendable than one with a body.
func TestBodilessCommandIsNotSentTwice(t *testing.T) {
	notSentTwice(t, func(base string) int {
		req, _ := http.NewRequest(http.MethodDelete, base+"/v1/holds/seat", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	})
}

// notSentTwice sends 6 commands through a pool of an instance that reads
// each and drops the connection and a healthy one: each command must
// arrive exactly once, and those the first got must fail, not be resent.
func notSentTwice(t *testing.T, send func(base string) int) {
	t.Helper()
	drop := newBackend(t, "drop", "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	ok := newBackend(t, "ok", "127.0.0.1:0", nil)
	srv := front(t, newPool(t, urls(drop, ok), options()), false)
	failed := 0
	for range 6 {
		if send(srv.URL) != http.StatusOK {
			failed++
		}
	}
	if sent := drop.hits.Load() + ok.hits.Load(); sent != 6 || failed != int(drop.hits.Load()) || failed == 0 {
		t.Fatalf("6 commands arrived %d times (dropped %d, failed %d)", sent, drop.hits.Load(), failed)
	}
}

// TestCommandThatNeverLeftIsResent: a refused dial proves nothing was sent.
func TestCommandThatNeverLeftIsResent(t *testing.T) {
	gone := newBackend(t, "gone", "127.0.0.1:0", nil)
	gone.srv.Close()
	ok := newBackend(t, "ok", "127.0.0.1:0", nil)
	srv := front(t, newPool(t, urls(gone, ok), options()), false)
	for i := range 4 {
		body := fmt.Sprintf(`{"hold":%d}`, i)
		if status, got := post(t, srv.URL, body); status != http.StatusOK || got != "ok:"+body {
			t.Fatalf("command %d: %d %q", i, status, got)
		}
	}
}

// fakeDNS maps one name to addresses the test changes.
type fakeDNS struct {
	mu    sync.Mutex
	addrs []string
	err   error
}

func (f *fakeDNS) set(err error, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addrs, f.err = addrs, err
}

func (f *fakeDNS) LookupHost(_ context.Context, host string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if host != "query.internal" {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return append([]string(nil), f.addrs...), f.err
}

// sameport starts one backend per loopback IP, all on one port, as a
// scaled service looks behind one name.
func sameport(t *testing.T, ips ...string) ([]*backend, string) {
	t.Helper()
	first := newBackend(t, ips[0], ips[0]+":0", nil)
	_, port, _ := net.SplitHostPort(first.addr)
	bs := []*backend{first}
	for _, ip := range ips[1:] {
		bs = append(bs, newBackend(t, ip, net.JoinHostPort(ip, port), nil))
	}
	return bs, port
}

func TestResolvedAddressesComeAndGo(t *testing.T) {
	bs, port := sameport(t, "127.0.0.1", "127.0.0.2", "127.0.0.3")
	dns := &fakeDNS{}
	dns.set(nil, "127.0.0.1")
	o := options()
	o.Resolver = dns
	up := newPool(t, []*url.URL{{Scheme: "http", Host: "query.internal:" + port}}, o)
	srv := front(t, up, true)
	served := func() map[string]bool {
		seen := map[string]bool{}
		for range 30 {
			status, got := post(t, srv.URL, "")
			if status != http.StatusOK {
				t.Fatalf("status %d %q", status, got)
			}
			seen[strings.TrimSuffix(got, ":")] = true
		}
		return seen
	}
	ctx := context.Background()
	up.Refresh(ctx)
	if seen := served(); len(seen) != 1 || !seen["127.0.0.1"] {
		t.Fatalf("one address: served by %v", seen)
	}
	dns.set(nil, "127.0.0.3", "127.0.0.1", "127.0.0.2")
	up.Refresh(ctx)
	if seen := served(); len(seen) != 3 {
		t.Fatalf("three addresses: served by %v", seen)
	}
	servedBefore := bs[0].hits.Load()
	dns.set(nil, "127.0.0.2", "127.0.0.3")
	up.Refresh(ctx)
	if seen := served(); len(seen) != 2 || seen["127.0.0.1"] {
		t.Fatalf("127.0.0.1 removed: served by %v", seen)
	}
	dns.set(errors.New("SERVFAIL"))
	up.Refresh(ctx)
	if seen := served(); len(seen) != 2 || seen["127.0.0.1"] {
		t.Fatalf("resolver failing: served by %v, want the last addresses", seen)
	}
	if n := bs[0].hits.Load(); n != servedBefore {
		t.Fatalf("127.0.0.1 served %d after its removal", n-servedBefore)
	}
}

// TestRunResolvesAgain drives the background loop and its stop path.
func TestRunResolvesAgain(t *testing.T) {
	bs, port := sameport(t, "127.0.0.1", "127.0.0.2")
	dns := &fakeDNS{}
	dns.set(nil, "127.0.0.1")
	o := options()
	o.Resolver, o.ResolveEvery = dns, 20*time.Millisecond
	up := newPool(t, []*url.URL{{Scheme: "http", Host: "query.internal:" + port}}, o)
	srv := front(t, up, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- up.Run(ctx) }()
	dns.set(nil, "127.0.0.1", "127.0.0.2")
	deadline := time.Now().Add(5 * time.Second)
	for bs[1].hits.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the new address never got a request")
		}
		post(t, srv.URL, "")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestStreamsAreSpreadByOpenStreams(t *testing.T) {
	sse := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/stream") {
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = fmt.Fprintf(w, "data: %s\n\n", name)
			http.NewResponseController(w).Flush()
			<-r.Context().Done()
		}
	}
	bs := []*backend{newBackend(t, "a", "127.0.0.1:0", sse("a")), newBackend(t, "b", "127.0.0.1:0", sse("b")), newBackend(t, "c", "127.0.0.1:0", sse("c"))}
	srv := front(t, newPool(t, urls(bs...), options()), true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opened := map[string]int{}
	for range 6 {
		opened[openStream(t, ctx, srv.URL)]++
		// Two plain requests between streams turn the rotation a full
		// circle: only the count of open streams spreads them.
		post(t, srv.URL, "")
		post(t, srv.URL, "")
	}
	for _, b := range bs {
		if opened[b.name] != 2 {
			t.Fatalf("streams per instance: %v", opened)
		}
	}
}

// openStream opens a stream, reads its first event (the instance's name)
// and leaves it open until ctx ends.
func openStream(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/flights/f1/stream", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	buf := make([]byte, 64)
	n, err := res.Body.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.TrimPrefix(string(buf[:n]), "data: "))
}

func TestReadyWhileOneInstanceAnswers(t *testing.T) {
	healthy := func(w http.ResponseWriter, r *http.Request) {}
	a, b := newBackend(t, "a", "127.0.0.1:0", healthy), newBackend(t, "b", "127.0.0.1:0", healthy)
	up := newPool(t, urls(a, b), options())
	ctx := context.Background()
	a.srv.Close()
	if err := up.Check(ctx); err != nil {
		t.Fatalf("one of two up: %v", err)
	}
	b.srv.Close()
	if err := up.Check(ctx); !errors.Is(err, proxy.ErrUnavailable) {
		t.Fatalf("both down: %v", err)
	}
}

// metric reads one sample from reg; instance "" matches any labels.
func metric(t *testing.T, reg *prometheus.Registry, name, instance string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if instance == "" || (l.GetName() == "instance" && l.GetValue() == instance) {
					if c := m.GetCounter(); c != nil {
						return c.GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{instance=%q}", name, instance)
	return 0
}
