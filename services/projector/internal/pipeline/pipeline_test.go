package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/projector/internal/adapters/postgres"
	redisindex "github.com/altisair/altis/services/projector/internal/adapters/redis"
	"github.com/altisair/altis/services/projector/internal/app"
	kafkaport "github.com/altisair/altis/services/projector/internal/ports/kafka"
)

// slowSnapshot pauses after every batch it hands out.
type slowSnapshot struct {
	inner app.Snapshot
	pause time.Duration
}

func (s slowSnapshot) Each(ctx context.Context, batch int, fn func([]app.Update) error) error {
	return s.inner.Each(ctx, batch, func(u []app.Update) error {
		err := fn(u)
		time.Sleep(s.pause)
		return err
	})
}

func TestBookingWrittenToPostgresAppearsInIndex(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	flights := scheduleFlights(t, p.pool, "JFK", "LHR", 3)
	p.start(t)
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)

	if err := book(context.Background(), p.pool, flights[1], "1A", "2B"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
	got := p.actual(t)[flights[1]]
	if got.Count != 2 || len(got.Sold) != 2 {
		t.Fatalf("index holds %v for the booked flight, want 1A and 2B", got.Sold)
	}
	if err := cancel(context.Background(), p.pool, flights[1], "1A"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
}

func TestRepublishedEventsChangeNothing(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	flights := scheduleFlights(t, p.pool, "JFK", "LHR", 2)
	p.start(t)
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, seats := range [][]string{{"1A"}, {"1B", "1C"}} {
		if err := book(context.Background(), p.pool, flights[0], seats...); err != nil {
			t.Fatal(err)
		}
	}
	if err := cancel(context.Background(), p.pool, flights[0], "1A"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
	before := p.actual(t)

	// A relay that died after publishing and before marking rows sent
	// publishes them again: unmark every row and let the relay resend all
	// of them, all but the latest: the sale of 1A that was later cancelled comes again.
	exec(t, p.pool, "UPDATE outbox SET sent_at = NULL WHERE event_type <> 'seats.released.v1'")
	// A marker after the duplicates on the same (single-partition) topic
	// tells us when the consumer has gone past all of them.
	if err := book(context.Background(), p.pool, flights[1], "2A"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
	after := p.actual(t)
	if d := diff(map[string]indexed{flights[0]: before[flights[0]]}, map[string]indexed{flights[0]: after[flights[0]]}); d != "" {
		t.Fatalf("replayed events changed the index: %s", d)
	}
}

func TestFlushThenRebuildEqualsPostgres(t *testing.T) {
	// FLUSHDB on a Redis database only this test uses: the index is gone,
	// exactly as after a FLUSHALL, without touching other tests' keys.
	p := newPipeline(t, "13")
	seedReference(t, p.pool)
	flights := append(scheduleFlights(t, p.pool, "JFK", "LHR", 4), scheduleFlights(t, p.pool, "LHR", "CDG", 3)...)
	for i, f := range flights[:5] {
		if err := book(context.Background(), p.pool, f, forSale[i%len(forSale)]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 5*time.Second)
	if err := p.rdb.Do(context.Background(), p.rdb.B().Flushdb().Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if d := p.tryDiff(t); d == "" {
		t.Fatal("the index survived FLUSHDB; the test proves nothing")
	}
	rebuilt, err := p.ensure.Handle(context.Background())
	if err != nil || !rebuilt {
		t.Fatalf("rebuild after flush: rebuilt=%v err=%v", rebuilt, err)
	}
	if d := p.tryDiff(t); d != "" {
		t.Fatalf("rebuilt index differs from PostgreSQL: %s", d)
	}
}

func TestRebuildWhileBookingsFlowHasNoGapNoDoubleCount(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	flights := append(scheduleFlights(t, p.pool, "JFK", "LHR", 6), scheduleFlights(t, p.pool, "LHR", "JFK", 6)...)
	p.start(t)
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
	// A slow snapshot (one flight per batch, a pause after each) keeps the
	// rebuild open while every booking below commits and is consumed: the
	// window in which a rebuild could lose or double-count changes.
	slow, err := app.NewRebuildIndex(slowSnapshot{postgres.NewSnapshot(p.pool), 150 * time.Millisecond},
		redisindex.NewIndex(p.rdb, p.keys, 100), logging.Discard(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := make(chan error, 1)
	go func() { _, err := slow.Handle(context.Background()); rebuilt <- err }()
	time.Sleep(100 * time.Millisecond) // the snapshot is taken
	var wg sync.WaitGroup
	for i, f := range flights {
		wg.Go(func() {
			for j, seat := range forSale {
				if err := book(context.Background(), p.pool, f, seat); err != nil {
					t.Errorf("book %s %s: %v", f, seat, err)
					return
				}
				if (i+j)%3 == 0 {
					if err := cancel(context.Background(), p.pool, f, seat); err != nil {
						t.Errorf("cancel: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-rebuilt:
		t.Fatalf("the rebuild ended (err %v) before the bookings did; the test proves nothing", err)
	default:
	}
	if err := <-rebuilt; err != nil {
		t.Fatalf("rebuild during bookings: %v", err)
	}
	p.eventually(t, 15*time.Second)
}

func TestMalformedEventsAreSkipped(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	flights := scheduleFlights(t, p.pool, "JFK", "LHR", 1)
	exec(t, p.pool, `INSERT INTO outbox (event_id, topic, event_key, event_type, payload)
		VALUES (gen_random_uuid(), 'altis.flights.v1', 'x', 'junk', '{"type":"nope"}')`)
	p.start(t)
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := book(context.Background(), p.pool, flights[0], "1A"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
}

func TestTwoProjectorsShareThePartitions(t *testing.T) {
	p := newPipelineWith(t, "", 6)
	seedReference(t, p.pool)
	flights := append(scheduleFlights(t, p.pool, "JFK", "LHR", 5), scheduleFlights(t, p.pool, "LHR", "JFK", 5)...)
	p.start(t)
	p.start(t) // a second projector (and a standby relay) in the same group
	if _, err := p.ensure.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitMembers(t, p, 2)
	var wg sync.WaitGroup
	for _, f := range flights {
		wg.Go(func() {
			for _, seat := range forSale[:3] {
				if err := book(context.Background(), p.pool, f, seat); err != nil {
					t.Errorf("book: %v", err)
				}
			}
		})
	}
	wg.Wait()
	p.eventually(t, 15*time.Second)
}

// waitMembers waits until the projector group has n members with partitions.
func waitMembers(t *testing.T, p *pipeline, n int) {
	t.Helper()
	adm := kadm.NewClient(p.client(t))
	deadline := time.Now().Add(15 * time.Second)
	for {
		groups, err := adm.DescribeGroups(context.Background(), kafkaport.GroupName)
		if err == nil {
			g := groups[kafkaport.GroupName]
			assigned := 0
			for _, m := range g.Members {
				if c, ok := m.Assigned.AsConsumer(); ok && len(c.Topics) > 0 && len(c.Topics[0].Partitions) > 0 {
					assigned++
				}
			}
			if assigned == n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the projector group never had %d members with partitions (err %v)", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAbandonedRebuildIsDroppedByTheNext(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	scheduleFlights(t, p.pool, "JFK", "LHR", 3)
	ix := redisindex.NewIndex(p.rdb, p.keys, 100)
	// A projector that died mid-rebuild: generation named and half written.
	dead, err := ix.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewSnapshot(p.pool).Each(context.Background(), 1, func(u []app.Update) error {
		return ix.Load(context.Background(), dead, u)
	}); err != nil {
		t.Fatal(err)
	}
	if len(p.scan(t, p.keys.GenPrefix(dead)+"*")) == 0 {
		t.Fatal("the abandoned generation wrote nothing; the test proves nothing")
	}
	if _, err := p.rebuild.Handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left := p.scan(t, p.keys.GenPrefix(dead)+"*"); len(left) > 0 {
		t.Fatalf("%d keys of the abandoned generation %d remain", len(left), dead)
	}
	if d := p.tryDiff(t); d != "" {
		t.Fatal(d)
	}
}

func TestSwitchRefusesAGenerationNoLongerBeingBuilt(t *testing.T) {
	p := newPipeline(t, "")
	ix := redisindex.NewIndex(p.rdb, p.keys, 100)
	gen, err := ix.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Redis lost the marker (a restart): events stopped reaching gen.
	if err := p.rdb.Do(context.Background(), p.rdb.B().Del().Key(p.keys.Building()).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Switch(context.Background(), gen, 0); err == nil {
		t.Fatal("switched to a generation live events no longer reach")
	}
}
