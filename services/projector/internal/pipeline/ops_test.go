package pipeline

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/rueidis"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/projector/internal/adapters/postgres"
	redisindex "github.com/altisair/altis/services/projector/internal/adapters/redis"
	"github.com/altisair/altis/services/projector/internal/app"
	kafkaport "github.com/altisair/altis/services/projector/internal/ports/kafka"
)

// Malformed records between two good ones: the good ones are applied, the
// others land on the dead-letter topic with their reason and origin, and
// the group's offset moves past all of them.
func TestMalformedEventsGoToTheDeadLetterTopic(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	ctx := context.Background()
	if _, err := p.ensure.Handle(ctx); err != nil { // an empty index: events must fill it
		t.Fatal(err)
	}
	scheduleFlights(t, p.pool, "JFK", "LHR", 2)
	rows, err := p.pool.Query(ctx, "SELECT payload::text FROM outbox ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var good []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		good = append(good, s)
	}
	exec(t, p.pool, "UPDATE outbox SET sent_at = now()") // published by hand below, in a chosen order
	unknown := `{"event_id":"e1","type":"flight.scheduled.v9","flight_id":"f1","flight_version":1,"payload":{}}`
	badPayload := `{"event_id":"e2","type":"seats.sold.v1","flight_id":"f1","flight_version":2,"payload":{"seats":[]}}`
	sent := []string{good[0], "not json", unknown, badPayload, good[1]}
	producer := p.client(t)
	for _, v := range sent {
		rec := &kgo.Record{Topic: events.TopicFlights, Value: []byte(v), Headers: []kgo.RecordHeader{{Key: "event_type", Value: []byte("x")}}}
		if err := producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	p.start(t)
	p.eventually(t, 10*time.Second)

	dead := readTopic(t, p, events.TopicDeadLetter, 3)
	want := []struct{ value, reason, offset string }{
		{"not json", events.RejectEnvelope, "1"}, {unknown, events.RejectUnknownType, "2"}, {badPayload, events.RejectPayload, "3"},
	}
	for i, w := range want {
		h := headers(dead[i])
		if string(dead[i].Value) != w.value || h[events.DeadLetterReason] != w.reason || h[events.DeadLetterOffset] != w.offset ||
			h[events.DeadLetterTopic] != events.TopicFlights || h[events.DeadLetterPartition] != "0" || h["event_type"] != "x" {
			t.Errorf("dead letter %d: value %q headers %v; want value %q reason %s offset %s", i, dead[i].Value, h, w.value, w.reason, w.offset)
		}
	}
	waitCommitted(t, p, int64(len(sent))) // the counters move before the commit
	for reason, n := range map[string]float64{events.RejectEnvelope: 1, events.RejectUnknownType: 1, events.RejectPayload: 1} {
		if got := metricValue(t, p.consumerMetrics, "projector_dead_letters_total", "reason", reason); got != n {
			t.Errorf("projector_dead_letters_total{reason=%q} = %v, want %v", reason, got, n)
		}
	}
	if got := metricValue(t, p.consumerMetrics, "projector_partition_lag_records", "partition", "0"); got != 0 {
		t.Errorf("projector_partition_lag_records{partition=0} = %v after consuming everything, want 0", got)
	}
}

// readTopic reads n records of topic from the start.
func readTopic(t *testing.T, p *pipeline, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := p.client(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records from %s", len(out), n, topic)
		}
		out = append(out, f.Records()...)
	}
	return out
}

func headers(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// waitCommitted waits until the projector's group has committed offset on
// partition 0 of the flights topic.
func waitCommitted(t *testing.T, p *pipeline, offset int64) {
	t.Helper()
	adm := kadm.NewClient(p.client(t))
	deadline := time.Now().Add(10 * time.Second)
	for {
		offs, err := adm.FetchOffsets(context.Background(), kafkaport.GroupName)
		if err == nil {
			if o, ok := offs.Lookup(events.TopicFlights, 0); ok && o.At == offset {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("group never committed offset %d: %v %v", offset, offs, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// metricValue reads one labelled counter or gauge; -1 when it is absent.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					if g := m.GetGauge(); g != nil {
						return g.GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1 // absent
}

// A Redis failover to a replica that missed the last writes: one flight's
// sold seats and version go back to before a sale. The check sees the
// flight behind PostgreSQL, still behind after the grace, and rebuilds.
func TestIndexCheckRebuildsAnIndexBehindPostgres(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	flights := scheduleFlights(t, p.pool, "JFK", "LHR", 3)
	p.start(t)
	ctx := context.Background()
	if _, err := p.ensure.Handle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := book(ctx, p.pool, flights[1], "1A", "2B"); err != nil {
		t.Fatal(err)
	}
	p.eventually(t, 10*time.Second)
	ix := redisindex.NewIndex(p.rdb, p.keys, 100)
	check, err := app.NewCheckIndex(postgres.NewInventory(p.pool), ix, p.rebuild, logging.Discard(), p.metrics, 50, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := check.Handle(ctx); err != nil || res != app.CheckOK {
		t.Fatalf("check of an up-to-date index: %s, %v; want %s", res, err, app.CheckOK)
	}

	gen, err := p.rdb.Do(ctx, p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []rueidis.Completed{
		p.rdb.B().Hset().Key(p.keys.Flight(gen, flights[1])).FieldValue().FieldValue("seats_v", "1").FieldValue("sold", "0").Build(),
		p.rdb.B().Del().Key(p.keys.SoldSeats(gen, flights[1])).Build(),
	} {
		if err := p.rdb.Do(ctx, cmd).Error(); err != nil {
			t.Fatal(err)
		}
	}
	if d := p.tryDiff(t); d == "" {
		t.Fatal("the rewind did not change the index")
	}
	res, err := check.Handle(ctx)
	if err != nil || res != app.CheckBehind {
		t.Fatalf("check of a rewound index: %s, %v; want %s", res, err, app.CheckBehind)
	}
	p.eventually(t, 5*time.Second)
	if n := testutil.ToFloat64(p.metrics.Rebuilds.WithLabelValues(app.RebuildBehind)); n != 1 {
		t.Fatalf("projector_index_rebuilds_total{reason=behind} = %v, want 1", n)
	}
}

// A projector that switched generations and "crashed" before dropping the
// old one leaves the drop recorded; the next projector does it.
func TestRetiredGenerationIsDroppedByTheNextProjector(t *testing.T) {
	p := newPipeline(t, "")
	seedReference(t, p.pool)
	scheduleFlights(t, p.pool, "JFK", "LHR", 2)
	ctx := context.Background()
	if _, err := p.ensure.Handle(ctx); err != nil {
		t.Fatal(err)
	}
	old, err := p.rdb.Do(ctx, p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	// First projector: rebuilds with a long grace and is gone before it.
	ix := redisindex.NewIndex(p.rdb, p.keys, 100)
	long, err := app.NewRebuildIndex(postgres.NewSnapshot(p.pool), ix, logging.Discard(), 7, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res, err := long.Handle(ctx)
	if err != nil || res.Replaced != old {
		t.Fatalf("rebuild: %+v, %v; want generation %d replaced", res, err, old)
	}
	if n, err := p.ensure.DropDue(ctx); err != nil || n != 0 {
		t.Fatalf("dropped %d generations within their grace (%v)", n, err)
	}
	if len(p.scan(t, p.keys.GenPrefix(old)+"*")) == 0 {
		t.Fatal("the retired generation went before its grace")
	}
	// Its grace runs out while no projector runs (XX: only a generation
	// the switch recorded can be made due).
	due := p.rdb.B().Zadd().Key(p.keys.Retired()).Xx().Ch().ScoreMember().ScoreMember(1, strconv.FormatInt(old, 10)).Build()
	if n, err := p.rdb.Do(ctx, due).AsInt64(); err != nil || n != 1 {
		t.Fatalf("generation %d is not recorded as retired (%d, %v)", old, n, err)
	}

	// Second projector: its watch loop drops what is due.
	next, err := app.NewEnsureIndex(ix, p.rebuild, ix, logging.Discard(), app.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- next.Watch(wctx, 100*time.Millisecond) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for len(p.scan(t, p.keys.GenPrefix(old)+"*")) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the next projector never dropped the retired generation")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if n, err := p.rdb.Do(ctx, p.rdb.B().Zcard().Key(p.keys.Retired()).Build()).AsInt64(); err != nil || n != 0 {
		t.Fatalf("%d retired generations still recorded (%v)", n, err)
	}
	p.eventually(t, time.Second) // the current generation is untouched
}

// An aircraft's layout is shared by its flights: an older event (a replay,
// another flight's late event) never replaces a newer layout.
func TestOlderLayoutNeverOverwritesNewer(t *testing.T) {
	p := newPipeline(t, "")
	ctx := context.Background()
	if _, err := p.ensure.Handle(ctx); err != nil {
		t.Fatal(err)
	}
	ix := redisindex.NewIndex(p.rdb, p.keys, 100)
	v1, v2, v3 := layout, layout, layout
	v1.Blocked, v2.Blocked, v3.Blocked = []string{}, []string{"1A"}, []string{"1B"}
	upd := func(flight string, version int64, l events.SeatLayout, at int64) app.Update {
		dep := time.Now().Add(48 * time.Hour).UTC()
		return app.Update{FlightID: flight, Version: version, Flight: &app.Flight{Number: "AL1", Origin: "JFK", Destination: "LHR",
			DepartureAt: dep, ArrivalAt: dep.Add(time.Hour), Status: "SCHEDULED", Currency: "USD", Capacity: capacity,
			Layout: l, LayoutVersion: at}}
	}
	stored := func() []string {
		gen, err := p.rdb.Do(ctx, p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.rdb.Do(ctx, p.rdb.B().Get().Key(p.keys.Layout(gen, layout.Aircraft)).Build()).ToString()
		if err != nil {
			t.Fatal(err)
		}
		var l events.SeatLayout
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatal(err)
		}
		return l.Blocked
	}
	for _, step := range []struct {
		u    app.Update
		want string
	}{
		{upd("f-a", 5, v2, 2000), "1A"}, // v2 first
		{upd("f-b", 9, v1, 1000), "1A"}, // v1 after it, from another flight with a newer doc: v2 stays
		{upd("f-a", 6, v3, 3000), "1B"}, // a newer layout replaces it
	} {
		if _, err := ix.Apply(ctx, []app.Update{step.u}); err != nil {
			t.Fatal(err)
		}
		if got := stored(); len(got) != 1 || got[0] != step.want {
			t.Fatalf("after layout version %d: blocked %v, want [%s]", step.u.Flight.LayoutVersion, got, step.want)
		}
	}
}
