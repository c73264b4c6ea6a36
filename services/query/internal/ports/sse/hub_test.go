package sse_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

type hub struct {
	*sse.Hub
	reg *prometheus.Registry
}

func newHub(t *testing.T, cfg sse.Config) hub {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := sse.NewHub(cfg, reg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	return hub{Hub: h, reg: reg}
}

// metric reads one of the hub's metrics.
func (h hub) metric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func subscribe(t *testing.T, h hub, flight, guest string) *sse.Subscription {
	t.Helper()
	s, err := h.Subscribe(flight, guest)
	if err != nil {
		t.Fatalf("Subscribe(%s, %s): %v", flight, guest, err)
	}
	t.Cleanup(s.Close)
	return s
}

func change(flight string, version int64) app.SeatChange {
	return app.SeatChange{ID: app.EventID{Ms: 1000, Seq: uint64(version)}, Name: "seat_held", FlightID: flight,
		SeatNumber: "12A", Status: "held", Version: version}
}

// next waits for s's next frame.
func next(t *testing.T, s *sse.Subscription) *sse.Frame {
	t.Helper()
	select {
	case f := <-s.Frames():
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5s")
		return nil
	}
}

func empty(s *sse.Subscription) bool {
	select {
	case <-s.Frames():
		return false
	default:
		return true
	}
}

func TestFanOutToEverySubscriberOfTheFlight(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 4, MaxPerGuest: 10, MaxConnections: 2000})
	var onA, onB []*sse.Subscription
	for i := range 1000 {
		onA = append(onA, subscribe(t, h, "A", fmt.Sprintf("g%d", i)))
	}
	for i := range 10 {
		onB = append(onB, subscribe(t, h, "B", fmt.Sprintf("g%d", i)))
	}
	h.Publish(change("nobody watches", 1))
	h.Publish(change("A", 1))
	first := next(t, onA[0])
	for _, s := range onA[1:] {
		if f := next(t, s); f != first {
			t.Fatalf("a subscriber got another frame %p than the first %p: each change is encoded once", f, first)
		}
	}
	for _, s := range onB {
		if !empty(s) {
			t.Fatal("a subscriber of flight B got flight A's change")
		}
	}
	if got := h.metric(t, "query_stream_events_total"); got != 1000 {
		t.Errorf("query_stream_events_total = %v, want 1000", got)
	}
	if got := h.metric(t, "query_streams_open"); got != 1010 {
		t.Errorf("query_streams_open = %v, want 1010", got)
	}
}

func TestAFullSubscriberIsDroppedAndOthersStillReceive(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 2, MaxPerGuest: 10, MaxConnections: 10})
	slow := subscribe(t, h, "A", "slow")
	fast := subscribe(t, h, "A", "fast")
	for v := int64(1); v <= 5; v++ {
		h.Publish(change("A", v))
		if f := next(t, fast); f.ID.Seq != uint64(v) {
			t.Fatalf("fast subscriber got %s, want version %d", f.ID, v)
		}
	}
	select {
	case <-slow.Dropped():
	default:
		t.Fatal("a subscriber two changes behind with a buffer of two was not dropped")
	}
	select {
	case <-fast.Dropped():
		t.Fatal("the fast subscriber was dropped")
	default:
	}
	if got := h.metric(t, "query_stream_dropped_total"); got != 1 {
		t.Errorf("query_stream_dropped_total = %v, want 1", got)
	}
	if got := h.metric(t, "query_streams_open"); got != 1 {
		t.Errorf("query_streams_open = %v, want 1", got)
	}
	// The dropped stream freed its place; closing it again changes nothing.
	slow.Close()
	if got := h.metric(t, "query_streams_open"); got != 1 {
		t.Errorf("query_streams_open after closing a dropped stream = %v, want 1", got)
	}
}

// A subscriber that never reads never slows down the hub: every publish
// returns while it is full.
func TestPublishNeverBlocks(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 1, MaxPerGuest: 100, MaxConnections: 100})
	for i := range 50 {
		subscribe(t, h, "A", fmt.Sprint(i))
	}
	published := make(chan struct{})
	go func() {
		for v := int64(1); v <= 100; v++ {
			h.Publish(change("A", v))
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on subscribers that do not read")
	}
	if got := h.metric(t, "query_stream_dropped_total"); got != 50 {
		t.Errorf("query_stream_dropped_total = %v, want 50", got)
	}
}

func TestCaps(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 1, MaxPerGuest: 2, MaxConnections: 3})
	a1 := subscribe(t, h, "A", "g1")
	subscribe(t, h, "B", "g1")
	if _, err := h.Subscribe("C", "g1"); !errors.Is(err, sse.ErrTooManyStreams) {
		t.Fatalf("a guest's third stream: %v, want ErrTooManyStreams", err)
	}
	subscribe(t, h, "A", "g2")
	if _, err := h.Subscribe("A", "g3"); !errors.Is(err, sse.ErrTooManyStreams) {
		t.Fatalf("the process's fourth stream: %v, want ErrTooManyStreams", err)
	}
	a1.Close()
	a1.Close()
	subscribe(t, h, "C", "g1")
	if got := h.metric(t, "query_streams_open"); got != 3 {
		t.Errorf("query_streams_open = %v, want 3", got)
	}
}

func TestConcurrentSubscribersAndPublishes(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 1000, MaxPerGuest: 1000, MaxConnections: 1000})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for range 50 {
				s, err := h.Subscribe("A", fmt.Sprint(i))
				if err != nil {
					t.Error(err)
					return
				}
				s.Close()
			}
		})
	}
	wg.Go(func() {
		for v := int64(1); v <= 500; v++ {
			h.Publish(change("A", v))
		}
	})
	wg.Wait()
	if got := h.metric(t, "query_streams_open"); got != 0 {
		t.Errorf("query_streams_open = %v, want 0", got)
	}
}

func TestResubscribedSignalsEverySubscriptionOnce(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 1, MaxPerGuest: 5, MaxConnections: 5})
	a, b := subscribe(t, h, "A", "g1"), subscribe(t, h, "B", "g2")
	h.Resubscribed()
	h.Resubscribed()
	for _, s := range []*sse.Subscription{a, b} {
		select {
		case <-s.Gap():
		default:
			t.Fatal("no gap signal")
		}
		select {
		case <-s.Gap():
			t.Fatal("two gap signals: one pending is enough")
		default:
		}
	}
}

// feed is a controllable sse.Feed.
type feed struct {
	started chan func(app.SeatChange)
	err     error // returned at once when set
}

func (f *feed) Run(ctx context.Context, deliver func(app.SeatChange), subscribed func()) error {
	if f.err != nil {
		return f.err
	}
	subscribed()
	f.started <- deliver
	<-ctx.Done()
	return ctx.Err()
}

func TestRunStopsWithItsContext(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 4, MaxPerGuest: 5, MaxConnections: 5})
	s := subscribe(t, h, "A", "g")
	f := &feed{started: make(chan func(app.SeatChange), 1)}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx, f) }()
	deliver := <-f.started
	deliver(change("A", 1))
	if got := next(t, s); got.ID.Seq != 1 {
		t.Fatalf("got %s", got.ID)
	}
	select {
	case <-h.Done():
		t.Fatal("Done before the hub stopped")
	default:
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	<-h.Done()
}

func TestRunFailsWhenTheFeedStopsByItself(t *testing.T) {
	h := newHub(t, sse.Config{Buffer: 4, MaxPerGuest: 5, MaxConnections: 5})
	boom := errors.New("boom")
	if err := h.Run(context.Background(), &feed{err: boom}); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the feed's error", err)
	}
	<-h.Done()
}

func TestNewHubRefusesBadSettings(t *testing.T) {
	for _, cfg := range []sse.Config{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}} {
		if _, err := sse.NewHub(cfg, prometheus.NewRegistry(), logging.Discard()); err == nil {
			t.Errorf("NewHub(%+v) accepted", cfg)
		}
	}
	if _, err := sse.NewHub(sse.Config{1, 1, 1}, nil, logging.Discard()); err == nil {
		t.Error("NewHub without a registry accepted")
	}
}

func TestEncode(t *testing.T) {
	c := app.SeatChange{ID: app.EventID{Ms: 1767225600000, Seq: 3}, Name: "seat_sold",
		FlightID: "00000000-0000-4000-8000-000000000800", SeatNumber: "12A", Status: "sold", Version: 42}
	want := "id: 1767225600000-3\nevent: seat_sold\n" +
		`data: {"flight_id":"00000000-0000-4000-8000-000000000800","seat_number":"12A","status":"sold","version":42}` + "\n\n"
	if got := string(sse.Encode(c).Bytes); got != want {
		t.Fatalf("Encode =\n%q\nwant\n%q", got, want)
	}
}

func TestWriter(t *testing.T) {
	rec := httptest.NewRecorder()
	w := sse.Start(rec, 2*time.Second)
	w.Resync("f1", app.EventID{Ms: 5, Seq: 1})
	w.Resync("f1", app.EventID{})
	w.Ping()
	w.Retry(time.Second)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "retry: 2000\n\n" +
		"id: 5-1\nevent: resync\ndata: {\"flight_id\":\"f1\"}\n\n" +
		"event: resync\ndata: {\"flight_id\":\"f1\"}\n\n" +
		": ping\n\nretry: 1000\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("body =\n%q\nwant\n%q", got, want)
	}
	for k, v := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if !rec.Flushed || rec.Code != 200 {
		t.Errorf("code %d, flushed %v", rec.Code, rec.Flushed)
	}
}
