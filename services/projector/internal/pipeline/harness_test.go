package pipeline

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/kafka"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/outbox"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/projector/internal/adapters/postgres"
	redisindex "github.com/altisair/altis/services/projector/internal/adapters/redis"
	"github.com/altisair/altis/services/projector/internal/app"
	kafkaport "github.com/altisair/altis/services/projector/internal/ports/kafka"
)

// pipeline is one test's whole write-to-read path.
type pipeline struct {
	pool    *pgxpool.Pool
	rdb     rueidis.Client
	keys    readmodel.Keys
	broker  *kfake.Cluster
	ensure  *app.EnsureIndex
	rebuild *app.RebuildIndex
	metrics app.Metrics
	// consumerMetrics holds the metrics of the consumer start ran last.
	consumerMetrics *prometheus.Registry
}

// redisDB, when not empty, selects a Redis database of the test's own
// (tests that flush use one so they touch nothing else).
func newPipeline(t testing.TB, redisDB string) *pipeline {
	t.Helper()
	return newPipelineWith(t, redisDB, 1)
}

// newPipelineWith lets a test choose the topic's partition count.
func newPipelineWith(t testing.TB, redisDB string, partitions int32) *pipeline {
	t.Helper()
	pool := testenv.Pool(t, migrations.Apply)
	redisURL, prefix := testenv.Redis(t)
	if redisDB != "" {
		redisURL = withDB(t, redisURL, redisDB)
	}
	rdb, err := redis.Open(redis.Config{URL: redisURL, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdb.Close)
	if redisDB != "" { // the test owns this database: leave it empty
		t.Cleanup(func() { _ = rdb.Do(context.Background(), rdb.B().Flushdb().Build()).Error() })
	}
	broker, err := kfake.NewCluster(kfake.SeedTopics(partitions, events.Topics()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	p := &pipeline{pool: pool, rdb: rdb, keys: readmodel.NewKeys(prefix), broker: broker,
		metrics: app.NewMetrics(prometheus.NewRegistry())}
	ix := redisindex.NewIndex(rdb, p.keys, 100)
	p.rebuild, err = app.NewRebuildIndex(postgres.NewSnapshot(pool), ix, logging.Discard(), 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	p.ensure, err = app.NewEnsureIndex(ix, p.rebuild, ix, logging.Discard(), p.metrics)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func withDB(t testing.TB, raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// start runs the relay and one projector consumer until the test ends.
func (p *pipeline) start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	t.Cleanup(func() { cancel(); <-done; <-done })
	producer := p.client(t, kafka.ProducerOptions()...)
	relay, err := outbox.NewRelay(p.pool, producer, outbox.RelayConfig{BatchSize: 100, PollInterval: 10 * time.Millisecond, LockRetry: 50 * time.Millisecond}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = relay.Run(ctx); done <- struct{}{} }()
	project, err := app.NewProjectEvents(redisindex.NewIndex(p.rdb, p.keys, 100), logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	p.consumerMetrics = reg
	consumer, err := kafkaport.NewConsumer(p.client(t, kafkaport.ClientOptions(10*time.Second)...), project, logging.Discard(), reg)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = consumer.Run(ctx); done <- struct{}{} }()
}

func (p *pipeline) client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(p.broker.ListenAddrs()...))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// indexed is one flight as the index holds it (or as PostgreSQL says it
// should be held).
type indexed struct {
	Doc   readmodel.FlightDoc
	Sold  []string
	Count int
	Route string
	Score int64
}

// expected recomputes the index from PostgreSQL.
func (p *pipeline) expected(t testing.TB) map[string]indexed {
	t.Helper()
	want := map[string]indexed{}
	rows, err := p.pool.Query(context.Background(), `
		SELECT f.id::text, f.flight_number, f.origin, f.destination, f.departure_at, f.arrival_at, f.status,
		       f.currency, i.capacity, t.code, t.name,
		       (SELECT jsonb_object_agg(cabin_code, base_fare) FROM flight_fares WHERE flight_id = f.id),
		       COALESCE((SELECT array_agg(seat_number ORDER BY seat_number) FROM booked_seats b
		                 WHERE b.flight_id = f.id AND b.released_at IS NULL), '{}')
		FROM flights f JOIN flight_inventory i ON i.flight_id = f.id JOIN aircraft_types t ON t.code = f.aircraft_code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d readmodel.FlightDoc
		var sold []string
		if err := rows.Scan(&d.ID, &d.Number, &d.Origin, &d.Destination, &d.DepartureAt, &d.ArrivalAt, &d.Status,
			&d.Currency, &d.Capacity, &d.Aircraft, &d.AircraftName, &d.Fares, &sold); err != nil {
			t.Fatal(err)
		}
		d.DepartureAt, d.ArrivalAt = d.DepartureAt.UTC(), d.ArrivalAt.UTC()
		want[d.ID] = indexed{Doc: d, Sold: sold, Count: len(sold),
			Route: readmodel.RouteKey(d.Origin, d.Destination, d.DepartureAt), Score: d.DepartureAt.Unix()}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}

// actual reads every flight of the current generation.
func (p *pipeline) actual(t testing.TB) map[string]indexed {
	t.Helper()
	ctx := context.Background()
	gen, err := p.rdb.Do(ctx, p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
	if err != nil {
		t.Fatalf("no current index generation: %v", err)
	}
	got := map[string]indexed{}
	for _, key := range p.scan(t, p.keys.GenPrefix(gen)+"flight:*") {
		h, err := p.rdb.Do(ctx, p.rdb.B().Hgetall().Key(key).Build()).AsStrMap()
		if err != nil {
			t.Fatal(err)
		}
		var x indexed
		if err := json.Unmarshal([]byte(h["doc"]), &x.Doc); err != nil {
			t.Fatalf("%s: doc %q: %v", key, h["doc"], err)
		}
		x.Count, _ = strconv.Atoi(h["sold"])
		x.Route = h["route"]
		x.Sold, _ = p.rdb.Do(ctx, p.rdb.B().Smembers().Key(p.keys.SoldSeats(gen, x.Doc.ID)).Build()).AsStrSlice()
		sort.Strings(x.Sold)
		if x.Sold == nil {
			x.Sold = []string{}
		}
		score, err := p.rdb.Do(ctx, p.rdb.B().Zscore().Key(p.keys.Route(gen, x.Route)).Member(x.Doc.ID).Build()).AsFloat64()
		if err != nil {
			t.Fatalf("flight %s missing from route %s: %v", x.Doc.ID, x.Route, err)
		}
		x.Score = int64(score)
		got[x.Doc.ID] = x
	}
	return got
}

func (p *pipeline) scan(t testing.TB, match string) []string {
	t.Helper()
	var keys []string
	var cursor uint64
	for {
		e, err := p.rdb.Do(context.Background(), p.rdb.B().Scan().Cursor(cursor).Match(match).Count(500).Build()).AsScanEntry()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, e.Elements...)
		if cursor = e.Cursor; cursor == 0 {
			return keys
		}
	}
}

// diff describes the first differences between want and got, or "".
func diff(want, got map[string]indexed) string {
	var out []string
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			out = append(out, "missing flight "+id)
		case !equalDoc(w.Doc, g.Doc):
			out = append(out, "doc of "+id+" differs")
		case !slices.Equal(w.Sold, g.Sold) || w.Count != g.Count:
			out = append(out, "sold seats of "+id+": want "+strconv.Itoa(w.Count)+" "+join(w.Sold)+", got "+strconv.Itoa(g.Count)+" "+join(g.Sold))
		case w.Route != g.Route || w.Score != g.Score:
			out = append(out, "route of "+id+" differs")
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			out = append(out, "extra flight "+id)
		}
	}
	if len(out) == 0 {
		return ""
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = out[:5]
	}
	return join(out)
}

func equalDoc(a, b readmodel.FlightDoc) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

func join(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eventually waits until the index equals the recomputation from PostgreSQL.
func (p *pipeline) eventually(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d := p.tryDiff(t)
		if d == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index differs from PostgreSQL after %s: %s", within, d)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (p *pipeline) tryDiff(t testing.TB) string {
	t.Helper()
	_, err := p.rdb.Do(context.Background(), p.rdb.B().Get().Key(p.keys.Current()).Build()).AsInt64()
	if err != nil {
		return "no current generation yet"
	}
	return diff(p.expected(t), p.actual(t))
}
