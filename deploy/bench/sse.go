package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
)

// SSEOptions configure RunSSE.
type SSEOptions struct {
	Bin         string    // directory holding the query binary
	Config      string    // configuration file the query service reads
	RedisURL    string    // the Redis the query service and the bench share
	Subscribers []int     // concurrent streams per run
	Events      int       // measured events per run
	Rate        int       // events per second
	Log         io.Writer // progress lines
}

// SSEResult is one run: every event's latency from its emission to its
// arrival at each subscriber.
type SSEResult struct {
	Target      string
	Subscribers int
	Events      int
	Deliveries  int // (event, subscriber) pairs received
	P50, P99    time.Duration
	Max         time.Duration
	Errors      int // streams that failed, plus deliveries that never came
}

// SSEWarmUp events go first in each run, unmeasured.
const SSEWarmUp = 5

// sseTarget is something that streams seat events to many clients.
type sseTarget interface {
	name() string
	// prepare readies a run and returns the stream URL.
	prepare(ctx context.Context) (string, error)
	// header is the request header of subscriber i.
	header(i int) (http.Header, error)
	// emit sends the event with this version to every subscriber.
	emit(ctx context.Context, version int) error
	// settle waits until the target has closed the run's streams.
	settle(ctx context.Context) error
}

// RunSSE measures seat event fan-out at each subscriber count, against the
// query service (started from o.Bin, events emitted into Redis as every
// writer does) and against a bare net/http broadcaster in this process.
func RunSSE(ctx context.Context, o SSEOptions) ([]SSEResult, error) {
	if o.Events < 1 || o.Rate < 1 || len(o.Subscribers) == 0 {
		return nil, errors.New("sse bench: events, rate and subscribers must be positive")
	}
	q, err := startSSEQuery(ctx, o)
	if err != nil {
		return nil, err
	}
	defer q.stop()
	bare, err := startSSEBare()
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	var out []SSEResult
	for _, n := range o.Subscribers {
		for _, t := range []sseTarget{q, bare} {
			fmt.Fprintf(o.Log, "sse bench: %s, %d subscribers, %d events at %d/s\n", t.name(), n, o.Events, o.Rate)
			r, err := runSSE(ctx, t, n, o.Events, o.Rate)
			if err != nil {
				return out, fmt.Errorf("%s, %d subscribers: %w", t.name(), n, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// WriteSSETable prints results as a Markdown table.
func WriteSSETable(w io.Writer, results []SSEResult) {
	fmt.Fprintln(w, "| target | subscribers | events | deliveries | p50 | p99 | max | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %d |\n",
			r.Target, r.Subscribers, r.Events, r.Deliveries, ms(r.P50), ms(r.P99), ms(r.Max), r.Errors)
	}
}

// sseRun is one measurement: n subscribers, events versions after the
// warm-up ones.
type sseRun struct {
	events int
	sent   []atomic.Int64 // unix ns each version was emitted at (0: not measured)
	mu     sync.Mutex
	lat    []time.Duration
	errs   atomic.Int64
}

func runSSE(ctx context.Context, t sseTarget, n, events, rate int) (SSEResult, error) {
	url, err := t.prepare(ctx)
	if err != nil {
		return SSEResult{}, err
	}
	r := &sseRun{events: events, sent: make([]atomic.Int64, SSEWarmUp+events+1), lat: make([]time.Duration, 0, n*events)}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost: 0, MaxIdleConnsPerHost: n, DisableCompression: true, ResponseHeaderTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	}}
	defer client.CloseIdleConnections()
	var ready, done sync.WaitGroup
	sem := make(chan struct{}, 200) // streams being opened at once
	for i := range n {
		h, err := t.header(i)
		if err != nil {
			return SSEResult{}, err
		}
		ready.Add(1)
		done.Go(func() { r.subscribe(cctx, client, url, h, sem, &ready) })
	}
	ready.Wait()
	if ctx.Err() != nil {
		return SSEResult{}, ctx.Err()
	}
	if err := r.emitAll(ctx, t, rate); err != nil {
		return SSEResult{}, err
	}
	// Every delivery has a second to arrive after the last emission.
	finished := make(chan struct{})
	go func() { done.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(time.Second + time.Duration(n)*time.Millisecond):
	case <-ctx.Done():
	}
	cancel()
	<-finished
	if err := t.settle(ctx); err != nil {
		return SSEResult{}, err
	}
	return r.result(t.name(), n), nil
}

// emitAll emits the warm-up and measured events at rate, recording when
// each measured one was sent.
func (r *sseRun) emitAll(ctx context.Context, t sseTarget, rate int) error {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for v := 1; v <= SSEWarmUp+r.events; v++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if v > SSEWarmUp {
			r.sent[v].Store(time.Now().UnixNano())
		}
		if err := t.emit(ctx, v); err != nil {
			return fmt.Errorf("emit version %d: %w", v, err)
		}
	}
	return nil
}

// subscribe opens one stream, reports it ready once its first record
// arrived (the stream is then subscribed), and records the latency of
// every measured event until it has them all or ctx ends.
func (r *sseRun) subscribe(ctx context.Context, client *http.Client, url string, h http.Header,
	sem chan struct{}, ready *sync.WaitGroup) {
	sem <- struct{}{}
	body, err := openSSE(ctx, client, url, h)
	<-sem
	if err != nil {
		r.errs.Add(1)
		ready.Done()
		return
	}
	defer body.Close()
	br := bufio.NewReaderSize(body, 4096)
	signalled := false
	lat := make([]time.Duration, 0, r.events)
	defer func() {
		if !signalled {
			ready.Done()
		}
		r.mu.Lock()
		r.lat = append(r.lat, lat...)
		r.mu.Unlock()
	}()
	for len(lat) < r.events {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if ctx.Err() == nil {
				r.errs.Add(1) // the stream ended early
			}
			return
		}
		if !signalled && len(line) <= 2 { // end of the first record
			ready.Done()
			signalled = true
		}
		if v := sseVersion(line); v > 0 && v < len(r.sent) {
			if at := r.sent[v].Load(); at != 0 {
				lat = append(lat, time.Duration(time.Now().UnixNano()-at))
			}
		}
	}
}

func openSSE(ctx context.Context, client *http.Client, url string, h http.Header) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return resp.Body, nil
}

var versionField = []byte(`"version":`)

// sseVersion reads the version of a "data: {...}" line (0: none).
func sseVersion(line []byte) int {
	if !bytes.HasPrefix(line, []byte("data:")) {
		return 0
	}
	i := bytes.Index(line, versionField)
	if i < 0 {
		return 0
	}
	v := 0
	for _, c := range line[i+len(versionField):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int(c-'0')
	}
	return v
}

func (r *sseRun) result(target string, n int) SSEResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := r.lat
	slices.Sort(lat)
	res := SSEResult{Target: target, Subscribers: n, Events: r.events, Deliveries: len(lat),
		Errors: int(r.errs.Load()) + n*r.events - len(lat)}
	if len(lat) > 0 {
		res.P50, res.P99, res.Max = sseQuantile(lat, 0.50), sseQuantile(lat, 0.99), lat[len(lat)-1]
	}
	return res
}

// sseQuantile is the nearest-rank quantile q of sorted.
func sseQuantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sseQuery is the query service, run as a child process over a key prefix
// of its own.
type sseQuery struct {
	cmd    *exec.Cmd
	exited chan struct{}
	base   string
	client rueidis.Client
	keys   readmodel.Keys
	issuer *auth.Issuer
	flight string
	guests []string // one token per subscriber
	log    io.Writer
}

var sseEmit = platformredis.NewScript(readmodel.Lua(`
return emit_seat(K.seat_events(ARGV[2]), K.seat_seq(ARGV[2]), ARGV[2], ARGV[3], ARGV[4], ARGV[5])`))

func startSSEQuery(ctx context.Context, o SSEOptions) (*sseQuery, error) {
	secret, prefix := randomHex(32), "altis-sse-bench-"+randomHex(4)
	port, err := freeSSEPort()
	if err != nil {
		return nil, err
	}
	maxConns := max(10000, slices.Max(o.Subscribers)+100)
	env := append(os.Environ(), "APP_REDIS__URL="+o.RedisURL, "APP_REDIS__PREFIX="+prefix,
		"APP_QUERY__HOST=127.0.0.1", "APP_QUERY__PORT="+strconv.Itoa(port), "APP_AUTH__JWT_SECRET="+secret,
		"APP_LOG__LEVEL=warn", "APP_LOG__FORMAT=text", "APP_QUERY__STREAM__MAX_CONNECTIONS="+strconv.Itoa(maxConns))
	issuer, err := sseIssuer(o.Config, secret)
	if err != nil {
		return nil, err
	}
	client, err := platformredis.Open(platformredis.Config{URL: o.RedisURL, Prefix: prefix}, logging.Discard())
	if err != nil {
		return nil, err
	}
	q := &sseQuery{client: client, keys: readmodel.NewKeys(prefix), issuer: issuer, log: o.Log,
		base: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	q.cmd = exec.Command(filepath.Join(o.Bin, "query"), "-config", o.Config)
	q.cmd.Env, q.cmd.Stdout, q.cmd.Stderr = env, o.Log, o.Log
	q.cmd.WaitDelay = 5 * time.Second
	if err := q.cmd.Start(); err != nil {
		client.Close()
		return nil, fmt.Errorf("start the query service: %w", err)
	}
	go func() { _ = q.cmd.Wait(); close(q.exited) }()
	if err := q.waitReady(ctx); err != nil {
		q.stop()
		return nil, err
	}
	return q, nil
}

// sseIssuer mints guest tokens the query service accepts: the [auth]
// settings of its configuration, with its secret.
func sseIssuer(path, secret string) (*auth.Issuer, error) {
	l, err := config.Load(path, []string{"APP_AUTH__JWT_SECRET=" + secret})
	if err != nil {
		return nil, err
	}
	var c auth.Config
	if err := l.Section("auth", &c); err != nil {
		return nil, err
	}
	return auth.NewIssuer(c.Settings())
}

// waitReady waits until the query service answers /healthz: /readyz also
// wants an index, which this bench writes itself afterwards (prepare).
func (q *sseQuery) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(q.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-q.exited:
			return errors.New("the query service exited at start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("the query service was not ready within 30s")
}

func (q *sseQuery) stop() {
	if q.cmd.Process != nil {
		_ = q.cmd.Process.Signal(os.Interrupt)
		select {
		case <-q.exited:
		case <-time.After(15 * time.Second):
			_ = q.cmd.Process.Kill()
			<-q.exited
		}
	}
	q.deleteKeys()
	q.client.Close()
}

// deleteKeys removes every key under the bench's prefix.
func (q *sseQuery) deleteKeys() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cursor uint64
	for {
		e, err := q.client.Do(ctx, q.client.B().Scan().Cursor(cursor).Match(q.keys.Prefix()+":*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return
		}
		if len(e.Elements) > 0 {
			_ = q.client.Do(ctx, q.client.B().Unlink().Key(e.Elements...).Build()).Error()
		}
		if cursor = e.Cursor; cursor == 0 {
			return
		}
	}
}

func (q *sseQuery) name() string { return "query service" }

// prepare indexes a new flight (so versions start at 1) in generation 1.
func (q *sseQuery) prepare(ctx context.Context) (string, error) {
	q.flight = randomUUID()
	doc, err := json.Marshal(readmodel.FlightDoc{ID: q.flight, Number: "AL001", Origin: "JFK", Destination: "LHR",
		DepartureAt: time.Now().Add(240 * time.Hour).UTC(), ArrivalAt: time.Now().Add(247 * time.Hour).UTC(),
		Aircraft: "A359", AircraftName: "Airbus A350-900", Status: "SCHEDULED", Currency: "USD",
		Fares: map[string]int64{"Y": 50000}, Capacity: 300})
	if err != nil {
		return "", err
	}
	for _, cmd := range []rueidis.Completed{
		q.client.B().Hset().Key(q.keys.Flight(1, q.flight)).FieldValue().FieldValue("doc", string(doc)).FieldValue("sold", "0").Build(),
		q.client.B().Set().Key(q.keys.Current()).Value("1").Build(),
	} {
		if err := q.client.Do(ctx, cmd).Error(); err != nil {
			return "", fmt.Errorf("index the bench flight: %w", err)
		}
	}
	return q.base + "/v1/flights/" + q.flight + "/stream", nil
}

func (q *sseQuery) header(i int) (http.Header, error) {
	for len(q.guests) <= i {
		tok, err := q.issuer.Issue()
		if err != nil {
			return nil, err
		}
		q.guests = append(q.guests, tok.Value)
	}
	return http.Header{"Authorization": {"Bearer " + q.guests[i]}}, nil
}

func (q *sseQuery) emit(ctx context.Context, version int) error {
	seat := strconv.Itoa(1+version%50) + "A"
	return sseEmit.Exec(ctx, q.client, nil, []string{q.keys.Prefix(), q.flight, seat, readmodel.StatusHeld, "1000"}).Error()
}

// settle waits until the query service reports no open stream.
func (q *sseQuery) settle(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		open, err := scrapeGauge(q.base+"/metrics", "query_streams_open")
		if err == nil && open == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("query_streams_open still %v after 30s (%v)", open, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func scrapeGauge(url, name string) (float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return -1, fmt.Errorf("no %s in %s", name, url)
}

// sseBare is the simplest honest broadcaster: one goroutine per client
// writes what a channel brings it, and each event is queued to every
// client's channel (dropped when full) from the emitting goroutine.
type sseBare struct {
	srv     *http.Server
	url     string
	mu      sync.Mutex
	clients map[chan []byte]struct{}
}

func startSSEBare() (*sseBare, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &sseBare{clients: map[chan []byte]struct{}{}, url: "http://" + ln.Addr().String() + "/stream"}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *sseBare) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ch := make(chan []byte, 64)
	b.mu.Lock()
	b.clients[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.clients, ch)
		b.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if _, err := io.WriteString(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	for {
		select {
		case f := <-ch:
			if _, err := w.Write(f); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (b *sseBare) name() string                            { return "bare net/http broadcaster" }
func (b *sseBare) prepare(context.Context) (string, error) { return b.url, nil }
func (b *sseBare) header(int) (http.Header, error)         { return http.Header{}, nil }
func (b *sseBare) stop()                                   { _ = b.srv.Close() }

// emit encodes the event once and queues it to every client, dropping it
// for a client whose queue is full.
func (b *sseBare) emit(_ context.Context, version int) error {
	f := bareFrame(version)
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.clients {
		select {
		case ch <- f:
		default:
		}
	}
	return nil
}

// bareFrame is the event the query service would send for version.
func bareFrame(version int) []byte {
	return fmt.Appendf(nil, "id: %d-0\nevent: seat_held\ndata: {\"flight_id\":\"00000000-0000-4000-8000-000000000001\",\"seat_number\":\"%dA\",\"status\":\"held\",\"version\":%d}\n\n",
		version, 1+version%50, version)
}

// settle waits until every stream's handler has returned.
func (b *sseBare) settle(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.mu.Lock()
		n := len(b.clients)
		b.mu.Unlock()
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d bare streams still open after 30s", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomUUID is a version 4 UUID.
func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func freeSSEPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
