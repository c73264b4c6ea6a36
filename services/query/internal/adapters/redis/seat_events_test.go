package redis_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/pkg/platform/logging"
	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
	"github.com/altisair/altis/services/query/internal/app"
)

// emitScript is how every writer emits a seat event: readmodel's emit_seat.
var emitScript = platformredis.NewScript(readmodel.Lua(`
return emit_seat(K.seat_events(ARGV[2]), K.seat_seq(ARGV[2]), ARGV[2], ARGV[3], ARGV[4], ARGV[5])`))

// emit writes one seat event as the command service and projector do and
// returns its stream id.
func (s *store) emit(flightID, seat, status string) app.EventID {
	s.t.Helper()
	raw, err := emitScript.Exec(context.Background(), s.client, nil, []string{s.keys.Prefix(), flightID, seat, status, "1000"}).ToString()
	if err != nil {
		s.t.Fatalf("emit_seat: %v", err)
	}
	id, err := app.ParseEventID(raw)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// received collects what a feed delivers.
type received struct {
	mu         sync.Mutex
	changes    []app.SeatChange
	subscribed chan struct{}
	arrived    chan struct{}
}

func newReceived() *received {
	return &received{subscribed: make(chan struct{}, 16), arrived: make(chan struct{}, 1024)}
}

func (r *received) deliver(c app.SeatChange) {
	r.mu.Lock()
	r.changes = append(r.changes, c)
	r.mu.Unlock()
	r.arrived <- struct{}{}
}

func (r *received) onSubscribed() { r.subscribed <- struct{}{} }

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5s", what)
	}
}

// runFeed runs the seat feed until the test ends and waits for its
// subscription.
func runFeed(t *testing.T, s *store) *received {
	t.Helper()
	return runFeedOn(t, s.client, s.keys)
}

func runFeedOn(t *testing.T, client rueidis.Client, keys readmodel.Keys) *received {
	t.Helper()
	r := newReceived()
	feed := redisindex.NewSeatEvents(client, keys, logging.Discard())
	feed.Backoff.Min, feed.Backoff.Max = 10*time.Millisecond, 100*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- feed.Run(ctx, r.deliver, r.onSubscribed) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	})
	wait(t, r.subscribed, "subscription")
	return r
}

func TestEmittedSeatEventReachesTheFeed(t *testing.T) {
	s := newStore(t)
	r := runFeed(t, s)
	held := s.emit(id0800, "12A", readmodel.StatusHeld)
	sold := s.emit(id1400, "1A", readmodel.StatusSold)
	freed := s.emit(id0800, "12A", readmodel.StatusAvailable)
	for range 3 {
		wait(t, r.arrived, "seat event")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	want := []app.SeatChange{
		{ID: held, Name: "seat_held", FlightID: id0800, SeatNumber: "12A", Status: "held", Version: 1},
		{ID: sold, Name: "seat_sold", FlightID: id1400, SeatNumber: "1A", Status: "sold", Version: 1},
		{ID: freed, Name: "seat_released", FlightID: id0800, SeatNumber: "12A", Status: "available", Version: 2},
	}
	if !slices.Equal(r.changes, want) {
		t.Fatalf("delivered %+v\nwant %+v", r.changes, want)
	}
}

func TestFeedSkipsUnreadableMessages(t *testing.T) {
	s := newStore(t)
	r := runFeed(t, s)
	s.do(s.client.B().Publish().Channel(s.keys.SeatChannel()).Message(`{"id":"nope"}`).Build())
	s.do(s.client.B().Publish().Channel(s.keys.SeatChannel()).Message(`not json`).Build())
	id := s.emit(id0800, "12A", readmodel.StatusHeld)
	wait(t, r.arrived, "seat event")
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.changes) != 1 || r.changes[0].ID != id {
		t.Fatalf("delivered %+v, want only the valid event %s", r.changes, id)
	}
}

// The feed survives losing its connection: it subscribes again and says so.
func TestFeedSubscribesAgainAfterTheConnectionDrops(t *testing.T) {
	s := newStore(t)
	url, _ := testenv.Redis(t)
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opt.ForceSingleClient, opt.DisableCache = true, true
	opt.ClientName = "seat-feed-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	client, err := rueidis.NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	r := runFeedOn(t, client, s.keys)
	killSubscribers(t, s, opt.ClientName)
	wait(t, r.subscribed, "new subscription")
	id := s.emit(id0800, "12A", readmodel.StatusHeld)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatal("no event after subscribing again")
		}
		r.mu.Lock()
		got := slices.ContainsFunc(r.changes, func(c app.SeatChange) bool { return c.ID == id })
		r.mu.Unlock()
		if got {
			return
		}
	}
}

// killSubscribers closes, from the server side, the subscribed connections
// of the client named name.
func killSubscribers(t *testing.T, s *store, name string) {
	t.Helper()
	ctx := context.Background()
	list, err := s.client.Do(ctx, s.client.B().ClientList().TypePubsub().Build()).ToString()
	if err != nil {
		t.Fatal(err)
	}
	list = strings.TrimPrefix(list, "txt:") // RESP3 verbatim string
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields, "name="+name) {
			continue
		}
		for _, f := range fields {
			if raw, ok := strings.CutPrefix(f, "id="); ok {
				id, err := strconv.ParseInt(raw, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				s.do(s.client.B().ClientKill().Id(id).Build())
				killed++
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no subscribed connection named %s in\n%s", name, list)
	}
}

func TestHistoryAfter(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	feed := redisindex.NewSeatEvents(s.client, s.keys, logging.Discard())
	page, err := feed.After(ctx, id0800, app.EventID{}, 100)
	if err != nil || !page.First.IsZero() || !page.Last.IsZero() || len(page.Changes) != 0 {
		t.Fatalf("no events yet: %+v, %v; want an empty page", page, err)
	}
	var ids []app.EventID
	for _, seat := range []string{"1A", "1D", "1G", "1K"} {
		ids = append(ids, s.emit(id0800, seat, readmodel.StatusHeld))
	}
	s.emit(id1400, "2A", readmodel.StatusSold) // another flight's stream
	cases := []struct {
		after app.EventID
		limit int
		want  []app.EventID
	}{
		{app.EventID{}, 100, ids},
		{ids[0], 100, ids[1:]},
		{ids[1], 1, ids[2:3]},
		{ids[3], 100, nil},
		{app.EventID{Ms: ids[3].Ms + 1_000_000}, 100, nil},
		{app.EventID{Ms: 1<<64 - 1, Seq: 1<<64 - 1}, 100, nil},
	}
	for _, c := range cases {
		page, err := feed.After(ctx, id0800, c.after, c.limit)
		if err != nil {
			t.Fatalf("After(%s): %v", c.after, err)
		}
		var got []app.EventID
		for _, ch := range page.Changes {
			got = append(got, ch.ID)
		}
		if !slices.Equal(got, c.want) || page.First != ids[0] || page.Last != ids[3] {
			t.Errorf("After(%s, %d) = %v first %s last %s; want %v first %s last %s",
				c.after, c.limit, got, page.First, page.Last, c.want, ids[0], ids[3])
		}
	}
	page, _ = feed.After(ctx, id0800, ids[2], 100)
	want := app.SeatChange{ID: ids[3], Name: "seat_held", FlightID: id0800, SeatNumber: "1K", Status: "held", Version: 4}
	if len(page.Changes) != 1 || page.Changes[0] != want {
		t.Errorf("history entry %+v, want %+v", page.Changes, want)
	}
	// Trimmed: the oldest retained entry moves on.
	s.do(s.client.B().Xtrim().Key(s.keys.SeatEvents(id0800)).Maxlen().Threshold("2").Build())
	if page, _ = feed.After(ctx, id0800, ids[0], 100); page.First != ids[2] || len(page.Changes) != 2 {
		t.Errorf("after trimming: first %s, %d changes; want first %s, 2 changes", page.First, len(page.Changes), ids[2])
	}
}

func TestCorruptHistoryIsAnError(t *testing.T) {
	s := newStore(t)
	s.do(s.client.B().Xadd().Key(s.keys.SeatEvents(id0800)).Id("*").FieldValue().
		FieldValue("seat", "1A").FieldValue("status", "held").FieldValue("version", "x").Build())
	feed := redisindex.NewSeatEvents(s.client, s.keys, logging.Discard())
	if _, err := feed.After(context.Background(), id0800, app.EventID{}, 10); !errors.Is(err, readmodel.ErrBadSeatEvent) {
		t.Fatalf("After over a corrupt entry: %v, want ErrBadSeatEvent", err)
	}
}

func TestFlightExists(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.index.FlightExists(ctx, id0800); !errors.Is(err, app.ErrNoIndex) {
		t.Fatalf("no index: %v, want ErrNoIndex", err)
	}
	seedJFKLHR(s)
	for id, want := range map[string]bool{id0800: true, idBack: true, idOld: false, "nope": false} {
		got, err := s.index.FlightExists(ctx, id)
		if err != nil || got != want {
			t.Errorf("FlightExists(%s) = %v, %v; want %v (only the current generation counts)", id, got, err, want)
		}
	}
}
