package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
	"github.com/altisair/altis/services/query/internal/app"
	queryhttp "github.com/altisair/altis/services/query/internal/ports/http"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

// streamFlight is the one flight the stream tests index.
const streamFlight = "5eaf0000-0000-4000-8000-000000000001"

// streamEnv is the query service's router on a real listener over a real
// Redis (a key prefix of its own), with the hub fed by the one Redis
// subscription, and a guest token issuer with the shipped [auth] settings.
type streamEnv struct {
	t      *testing.T
	url    string
	client rueidis.Client
	keys   readmodel.Keys
	feed   *testFeed
	issuer *auth.Issuer
	stop   context.CancelFunc // stops the hub, as the service's shutdown does
}

type streamOptions struct {
	maxPerGuest int
	heartbeat   time.Duration
	noIndex     bool
}

func newStreamEnv(t *testing.T, o streamOptions) *streamEnv {
	t.Helper()
	if o.maxPerGuest == 0 {
		o.maxPerGuest = 5
	}
	if o.heartbeat == 0 {
		o.heartbeat = time.Minute
	}
	url, prefix := testenv.Redis(t)
	client, err := platformredis.Open(platformredis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	e := &streamEnv{t: t, client: client, keys: readmodel.NewKeys(prefix), issuer: shippedIssuer(t)}
	if !o.noIndex {
		e.index()
	}
	ix := redisindex.NewIndex(client, e.keys)
	e.feed = &testFeed{Feed: redisindex.NewSeatEvents(client, e.keys, logging.Discard()), ready: make(chan struct{})}
	srv, _ := newWebServer(t, ix, now, func(srv *web.Server) queryhttp.Stream {
		seats, err := app.NewStreamSeats(ix, redisindex.NewSeatEvents(client, e.keys, logging.Discard()))
		if err != nil {
			t.Fatal(err)
		}
		hub, err := sse.NewHub(sse.Config{Buffer: 64, MaxPerGuest: o.maxPerGuest, MaxConnections: 100}, srv.Registry, logging.Discard())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- hub.Run(ctx, e.feed) }()
		e.stop = cancel
		t.Cleanup(func() {
			cancel()
			if err := <-ran; err != nil {
				t.Errorf("hub: %v", err)
			}
		})
		return queryhttp.Stream{Seats: seats, Hub: hub, Heartbeat: o.heartbeat, Log: logging.Discard()}
	})
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	e.url = ts.URL
	select {
	case <-e.feed.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the hub did not subscribe within 5s")
	}
	return e
}

// index makes generation 1 current with streamFlight in it.
func (e *streamEnv) index() {
	doc, _ := json.Marshal(readmodel.FlightDoc{ID: streamFlight, Number: "AL107", Origin: "JFK", Destination: "LHR",
		DepartureAt: now.Add(240 * time.Hour), ArrivalAt: now.Add(247 * time.Hour), Aircraft: "A359",
		Status: "SCHEDULED", Currency: "USD", Fares: map[string]int64{"Y": 50000}, Capacity: 35})
	e.do(e.client.B().Hset().Key(e.keys.Flight(1, streamFlight)).FieldValue().FieldValue("doc", string(doc)).FieldValue("sold", "0").Build())
	e.do(e.client.B().Set().Key(e.keys.Current()).Value("1").Build())
}

func (e *streamEnv) do(cmd rueidis.Completed) {
	e.t.Helper()
	if err := e.client.Do(context.Background(), cmd).Error(); err != nil {
		e.t.Fatalf("redis: %v", err)
	}
}

var emitSeat = platformredis.NewScript(readmodel.Lua(`
return emit_seat(K.seat_events(ARGV[2]), K.seat_seq(ARGV[2]), ARGV[2], ARGV[3], ARGV[4], ARGV[5])`))

// emit writes a seat event the way every writer does (emit_seat) and
// returns its id.
func (e *streamEnv) emit(seat, status string) string {
	e.t.Helper()
	id, err := emitSeat.Exec(context.Background(), e.client, nil,
		[]string{e.keys.Prefix(), streamFlight, seat, status, "1000"}).ToString()
	if err != nil {
		e.t.Fatalf("emit_seat: %v", err)
	}
	return id
}

func shippedIssuer(t *testing.T) *auth.Issuer {
	t.Helper()
	i, err := auth.NewIssuer(shippedAuth(t))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func (e *streamEnv) guest() auth.Token {
	e.t.Helper()
	tok, err := e.issuer.Issue()
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// testFeed passes the real feed through; it can swallow changes (as if the
// subscription were down) and say the subscription is back.
type testFeed struct {
	sse.Feed
	ready      chan struct{}
	once       sync.Once
	mu         sync.Mutex
	subscribed func()
	paused     atomic.Bool
	swallowed  atomic.Int64
}

func (f *testFeed) Run(ctx context.Context, deliver func(app.SeatChange), subscribed func()) error {
	return f.Feed.Run(ctx, func(c app.SeatChange) {
		if f.paused.Load() {
			f.swallowed.Add(1)
			return
		}
		deliver(c)
	}, func() {
		f.mu.Lock()
		f.subscribed = subscribed
		f.mu.Unlock()
		subscribed()
		f.once.Do(func() { close(f.ready) })
	})
}

// resubscribed tells the hub the subscription was re-established.
func (f *testFeed) resubscribed() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribed()
}

// record is one SSE record: an event, a retry or a comment.
type record struct {
	ID, Event, Data, Retry, Comment string
}

// stream is an open SSE response read record by record.
type stream struct {
	resp    *http.Response
	records chan record
}

func streamPath(flight string) string { return "/v1/flights/" + flight + "/stream" }

// get requests the stream of flight with the token (if any) and headers.
func (e *streamEnv) get(path, token string, header ...string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// open opens a stream that must answer 200, and reads its first record,
// the reconnection delay (by then the stream is subscribed).
func (e *streamEnv) open(path, token string, header ...string) *stream {
	e.t.Helper()
	resp := e.get(path, token, header...)
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	for k, v := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := resp.Header.Get(k); got != v {
			e.t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	s := &stream{resp: resp, records: make(chan record, 1024)}
	go s.read()
	if r := s.next(e.t); r.Retry != "2000" || r.Event != "" || r.Data != "" {
		e.t.Fatalf("first record %+v, want retry: 2000 alone", r)
	}
	return s
}

func (s *stream) read() {
	defer close(s.records)
	sc := bufio.NewScanner(s.resp.Body)
	var r record
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			s.records <- r
			r = record{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			r.Comment = value
		case "id":
			r.ID = value
		case "event":
			r.Event = value
		case "data":
			r.Data = value
		case "retry":
			r.Retry = value
		default:
			panic("unexpected SSE line " + line)
		}
	}
}

// next returns the next record within a second.
func (s *stream) next(t *testing.T) record {
	t.Helper()
	select {
	case r, ok := <-s.records:
		if !ok {
			t.Fatal("the stream ended")
		}
		return r
	case <-time.After(time.Second):
		t.Fatal("no record within 1s")
		return record{}
	}
}

// nextEvent skips heartbeats.
func (s *stream) nextEvent(t *testing.T) record {
	t.Helper()
	for {
		if r := s.next(t); r.Comment == "" {
			return r
		}
	}
}

func seatData(seat, status string, version int) string {
	return fmt.Sprintf(`{"flight_id":%q,"seat_number":%q,"status":%q,"version":%d}`, streamFlight, seat, status, version)
}

func TestStreamSendsEachSeatChange(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	s := e.open(streamPath(streamFlight), e.guest().Value)
	cases := []struct{ seat, status, event string }{
		{"12A", readmodel.StatusHeld, "seat_held"},
		{"12A", readmodel.StatusSold, "seat_sold"},
		{"14C", readmodel.StatusHeld, "seat_held"},
		{"14C", readmodel.StatusAvailable, "seat_released"},
	}
	for i, c := range cases {
		id := e.emit(c.seat, c.status)
		got := s.nextEvent(t)
		want := record{ID: id, Event: c.event, Data: seatData(c.seat, c.status, i+1)}
		if got != want {
			t.Fatalf("event %d: %+v\nwant %+v", i, got, want)
		}
		// Exactly the four public fields: never a trip or a guest.
		var fields map[string]any
		if err := json.Unmarshal([]byte(got.Data), &fields); err != nil || len(fields) != 4 {
			t.Fatalf("data %s: %v", got.Data, err)
		}
	}
}

func TestStreamHeartbeat(t *testing.T) {
	e := newStreamEnv(t, streamOptions{heartbeat: 50 * time.Millisecond})
	s := e.open(streamPath(streamFlight), e.guest().Value)
	if r := s.next(t); r.Comment != "ping" {
		t.Fatalf("record %+v, want the comment \": ping\"", r)
	}
}

// A client that reconnects with Last-Event-ID gets what it missed, then
// live changes — while changes keep coming — with no gap and no duplicate.
func TestStreamResumesFromLastEventID(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	token := e.guest().Value
	first := e.open(streamPath(streamFlight), token)
	id1 := e.emit("1A", readmodel.StatusHeld)
	if r := first.nextEvent(t); r.ID != id1 {
		t.Fatalf("got %+v, want %s", r, id1)
	}
	first.resp.Body.Close()
	for _, seat := range []string{"1B", "1C", "1D"} { // missed while away
		e.emit(seat, readmodel.StatusHeld)
	}
	const last = 60
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for v := 5; v <= last; v++ {
			e.emit("2"+strconv.Itoa(v), readmodel.StatusHeld)
		}
	}()
	again := e.open(streamPath(streamFlight), token, "Last-Event-ID", id1)
	var versions []int
	prev := id1
	for len(versions) == 0 || versions[len(versions)-1] < last {
		r := again.nextEvent(t)
		var d struct{ Version int }
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil || r.Event != "seat_held" {
			t.Fatalf("record %+v: %v", r, err)
		}
		if !idLess(prev, r.ID) {
			t.Fatalf("id %s after %s: out of order", r.ID, prev)
		}
		prev = r.ID
		versions = append(versions, d.Version)
	}
	<-emitted
	want := make([]int, 0, last-1)
	for v := 2; v <= last; v++ {
		want = append(want, v)
	}
	if !slices.Equal(versions, want) {
		t.Fatalf("versions %v\nwant %v", versions, want)
	}
}

func idLess(a, b string) bool {
	x, err1 := app.ParseEventID(a)
	y, err2 := app.ParseEventID(b)
	return err1 == nil && err2 == nil && x.Less(y)
}

// History that was trimmed away cannot be replayed: the client is told to
// fetch the seat map again, then gets live changes.
func TestStreamResyncsWhenHistoryWasTrimmed(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	id1 := e.emit("1A", readmodel.StatusHeld)
	e.emit("1B", readmodel.StatusHeld)
	newest := e.emit("1C", readmodel.StatusHeld)
	e.do(e.client.B().Xtrim().Key(e.keys.SeatEvents(streamFlight)).Maxlen().Threshold("1").Build())
	for _, lastID := range []string{id1, "99999999999999-0"} { // trimmed; never issued
		s := e.open(streamPath(streamFlight), e.guest().Value, "Last-Event-ID", lastID)
		// The resync's id is the newest change retained: the client's
		// Last-Event-ID from then on.
		want := record{ID: newest, Event: "resync", Data: fmt.Sprintf(`{"flight_id":%q}`, streamFlight)}
		if r := s.nextEvent(t); r != want {
			t.Fatalf("Last-Event-ID %s: %+v, want %+v", lastID, r, want)
		}
		newest = e.emit("1D", readmodel.StatusAvailable)
		if r := s.nextEvent(t); r.ID != newest || r.Event != "seat_released" {
			t.Fatalf("after the resync: %+v, want %s", r, newest)
		}
		s.resp.Body.Close()
	}
}

// When the subscription comes back after missing changes, every stream
// replays them from the history.
func TestStreamCatchesUpWhenTheSubscriptionWasLost(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	s := e.open(streamPath(streamFlight), e.guest().Value)
	id1 := e.emit("1A", readmodel.StatusHeld)
	if r := s.nextEvent(t); r.ID != id1 {
		t.Fatalf("got %+v", r)
	}
	e.feed.paused.Store(true)
	id2, id3 := e.emit("1B", readmodel.StatusHeld), e.emit("1C", readmodel.StatusSold)
	deadline := time.Now().Add(5 * time.Second)
	for e.feed.swallowed.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the feed did not see the two changes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.feed.paused.Store(false)
	e.feed.resubscribed()
	id4 := e.emit("1D", readmodel.StatusHeld)
	var got []string
	for _, want := range []string{id2, id3, id4} {
		r := s.nextEvent(t)
		got = append(got, r.ID)
		if r.ID != want {
			t.Fatalf("after the subscription came back: %v, want %s %s %s", got, id2, id3, id4)
		}
	}
}

func TestStreamAcceptsATicketForTheFlight(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	g := e.guest()
	ticket, err := e.issuer.IssueTicket(g.GuestID, streamFlight, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s := e.open(streamPath(streamFlight)+"?ticket="+ticket.Value, "")
	id := e.emit("3A", readmodel.StatusHeld)
	if r := s.nextEvent(t); r.ID != id {
		t.Fatalf("got %+v, want %s", r, id)
	}
	other, err := e.issuer.IssueTicket(g.GuestID, "5eaf0000-0000-4000-8000-000000000002", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, recorded(t, e.get(streamPath(streamFlight)+"?ticket="+other.Value, "")), http.StatusUnauthorized, "unauthorized")
	wantError(t, recorded(t, e.get(streamPath(streamFlight)+"?ticket="+g.Value, "")), http.StatusUnauthorized, "unauthorized")
}

func TestStreamRefusals(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	token := e.guest().Value
	cases := []struct {
		name, path, token string
		header            []string
		status            int
		code              string
	}{
		{"no token", streamPath(streamFlight), "", nil, http.StatusUnauthorized, "unauthorized"},
		{"a bad token", streamPath(streamFlight), "nope", nil, http.StatusUnauthorized, "unauthorized"},
		{"an unknown flight", streamPath("5eaf0000-0000-4000-8000-0000000000ff"), token, nil, http.StatusNotFound, "flight_not_found"},
		{"a malformed flight id", streamPath("AL107"), token, nil, http.StatusNotFound, "flight_not_found"},
		{"a malformed Last-Event-ID", streamPath(streamFlight), token, []string{"Last-Event-ID", "12"}, http.StatusBadRequest, "invalid_last_event_id"},
		{"a Last-Event-ID with a sign", streamPath(streamFlight), token, []string{"Last-Event-ID", "-1-0"}, http.StatusBadRequest, "invalid_last_event_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, recorded(t, e.get(c.path, c.token, c.header...)), c.status, c.code)
		})
	}
}

func TestStreamWithoutIndexIsUnavailable(t *testing.T) {
	e := newStreamEnv(t, streamOptions{noIndex: true})
	wantError(t, recorded(t, e.get(streamPath(streamFlight), e.guest().Value)), http.StatusServiceUnavailable, "index_unavailable")
}

func TestStreamsPerGuestAreCapped(t *testing.T) {
	e := newStreamEnv(t, streamOptions{maxPerGuest: 2})
	token := e.guest().Value
	first := e.open(streamPath(streamFlight), token)
	e.open(streamPath(streamFlight), token)
	resp := e.get(streamPath(streamFlight), token)
	if got := resp.Header.Get("Retry-After"); got == "" {
		t.Errorf("429 without Retry-After")
	}
	wantError(t, recorded(t, resp), http.StatusTooManyRequests, "too_many_streams")
	e.open(streamPath(streamFlight), e.guest().Value) // another guest
	// A closed stream frees its place once the server sees it gone.
	first.resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := e.get(streamPath(streamFlight), token)
		if resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("still %d after closing a stream", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// When the service stops, each stream ends with a short reconnection delay
// so that clients come back soon (to another instance).
func TestStreamEndsWithRetryWhenTheServiceStops(t *testing.T) {
	e := newStreamEnv(t, streamOptions{})
	s := e.open(streamPath(streamFlight), e.guest().Value)
	e.stop()
	if r := s.nextEvent(t); r.Retry != "1000" {
		t.Fatalf("record %+v, want retry: 1000", r)
	}
	select {
	case _, ok := <-s.records:
		if ok {
			t.Fatal("more after the final retry")
		}
	case <-time.After(time.Second):
		t.Fatal("the stream did not end")
	}
}

// recorded reads a whole response into a recorder for wantError.
func recorded(t *testing.T, resp *http.Response) *httptest.ResponseRecorder {
	t.Helper()
	defer resp.Body.Close()
	rec := httptest.NewRecorder()
	for k, v := range resp.Header {
		rec.Header()[k] = v
	}
	rec.Code = resp.StatusCode
	if _, err := io.Copy(rec.Body, resp.Body); err != nil {
		t.Fatal(err)
	}
	return rec
}
