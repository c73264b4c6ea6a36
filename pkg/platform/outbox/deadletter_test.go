package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/platform/kafka"
)

// writeKeyed appends one message with the given key and pad random hex
// bytes of payload (they do not compress) in its own transaction and
// returns its event id.
func writeKeyed(t *testing.T, pool *pgxpool.Pool, key string, pad int) string {
	t.Helper()
	id := uuid.NewString()
	payload, _ := json.Marshal(map[string]string{"id": id, "pad": randomHex(pad)})
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return Append(ctx, tx, Message{EventID: id, Topic: topic, Key: key, Type: "test.v1", Payload: payload})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A row the broker refuses (here: larger than the broker or the client
// accepts) is retried MaxAttempts times and moved to the dead letters,
// while the rows around it, all on the same key and so in the same
// partition batch as it, are published and never counted against.
func TestRefusedRowIsDeadLetteredAndRowsBehindItPublish(t *testing.T) {
	const limit = 64 << 10
	cases := []struct {
		name     string
		broker   []kfake.Opt
		producer []kgo.Opt
	}{
		{name: "broker refuses (message.max.bytes)",
			broker: []kfake.Opt{kfake.BrokerConfigs(map[string]string{"message.max.bytes": "65536"})}},
		{name: "client refuses (batch max bytes)",
			producer: []kgo.Opt{kgo.ProducerBatchMaxBytes(limit)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pool := newPool(t)
			broker, err := kfake.NewCluster(append(tc.broker, kfake.SeedTopics(3, topic))...)
			if err != nil {
				t.Fatal(err)
			}
			defer broker.Close()
			opts := append(kafka.ProducerOptions(), kgo.SeedBrokers(broker.ListenAddrs()...), kgo.RecordDeliveryTimeout(2*time.Second))
			producer, err := kgo.NewClient(append(opts, tc.producer...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer producer.Close()

			var small []string
			for range 5 {
				small = append(small, writeKeyed(t, pool, "flight-1", 10))
			}
			big := writeKeyed(t, pool, "flight-1", 4*limit)
			for range 5 {
				small = append(small, writeKeyed(t, pool, "flight-1", 10))
			}
			reg := prometheus.NewRegistry()
			cfg := testConfig
			cfg.MaxAttempts, cfg.RetryBackoff, cfg.Registerer = 3, time.Millisecond, reg
			r := startRelayWith(t, pool, producer, cfg, nil)

			waitAllSent(t, pool, 20*time.Second)
			requireAll(t, small, consumeAll(t, broker.ListenAddrs(), len(small)))
			var event, lastErr string
			var attempts int
			var payload []byte
			err = pool.QueryRow(context.Background(),
				"SELECT event_id::text, attempts, last_error, payload::text FROM outbox_dead_letters").Scan(&event, &attempts, &lastErr, &payload)
			if err != nil {
				t.Fatalf("want exactly one dead letter: %v (%d rows)", err, count(t, pool, "SELECT count(*) FROM outbox_dead_letters"))
			}
			if event != big || attempts != 3 || !strings.Contains(lastErr, "MESSAGE_TOO_LARGE") || !strings.Contains(string(payload), big) {
				t.Fatalf("dead letter %s after %d attempts (%q); want %s after 3 for MESSAGE_TOO_LARGE", event, attempts, lastErr, big)
			}
			if n := count(t, pool, "SELECT count(*) FROM outbox WHERE event_id = $1", big); n != 0 {
				t.Fatalf("the dead row is still in the outbox")
			}
			if n := count(t, pool, "SELECT count(*) FROM outbox WHERE attempts > 0"); n != 0 {
				t.Fatalf("%d published rows had refusals counted against them", n)
			}
			if got := testutil.ToFloat64(r.metrics.deadLetters); got != 1 {
				t.Fatalf("outbox_dead_letters_total = %v, want 1", got)
			}
			if got := testutil.ToFloat64(r.metrics.published); got != float64(len(small)) {
				t.Fatalf("outbox_published_total = %v, want %d", got, len(small))
			}
		})
	}
}

// With the broker down, no publish failure counts against a row, however
// often the relay tries (MaxAttempts is 1 here: one counted failure would
// dead-letter), and the backlog gauges show the waiting rows.
func TestBrokerDownDeadLettersNothing(t *testing.T) {
	pool := newPool(t)
	port, dir := freePort(t), t.TempDir()
	broker := newBroker(t, port, dir)
	addrs := broker.ListenAddrs()
	broker.Close()
	var ids []string
	for range 10 {
		ids = append(ids, writeKeyed(t, pool, uuid.NewString()[:8], 10))
	}
	var tries atomic.Int32
	cfg := testConfig
	cfg.MaxAttempts, cfg.RetryBackoff, cfg.SampleEvery = 1, time.Millisecond, 10*time.Millisecond
	cfg.Registerer = prometheus.NewRegistry()
	r := startRelayWith(t, pool, newProducer(t, addrs), cfg, func() error { tries.Add(1); return nil })

	waitFor(t, 30*time.Second, "the relay tried to publish twice", func() bool {
		return tries.Load() >= 2 || count(t, pool, "SELECT count(*) FROM outbox_dead_letters") > 0
	})
	if n := count(t, pool, "SELECT count(*) FROM outbox_dead_letters"); n != 0 {
		t.Fatalf("broker down: %d rows dead-lettered, want none", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts = 0"); n != len(ids) {
		t.Fatalf("broker down: %d of %d rows unsent with no attempt counted", n, len(ids))
	}
	waitFor(t, 10*time.Second, "outbox_backlog_rows shows the 10 rows", func() bool {
		return testutil.ToFloat64(r.metrics.backlog) == 10 && testutil.ToFloat64(r.metrics.oldestAge) > 0
	})

	broker = newBroker(t, port, dir)
	defer broker.Close()
	waitAllSent(t, pool, 30*time.Second)
	requireAll(t, ids, consumeAll(t, addrs, len(ids)))
	if n := count(t, pool, "SELECT count(*) FROM outbox_dead_letters"); n != 0 {
		t.Fatalf("%d rows dead-lettered, want none", n)
	}
	waitFor(t, 10*time.Second, "outbox_backlog_rows back to 0", func() bool {
		return testutil.ToFloat64(r.metrics.backlog) == 0 && testutil.ToFloat64(r.metrics.oldestAge) == 0
	})
}

// A row the relay cannot turn into a record (no topic) is refused without
// reaching the broker and dead-lettered like a row the broker refuses.
func TestRowWithoutTopicIsDeadLettered(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	good := writeKeyed(t, pool, "flight-1", 10)
	if _, err := pool.Exec(context.Background(), `INSERT INTO outbox (event_id, topic, event_key, event_type, payload)
		VALUES (gen_random_uuid(), '', 'flight-1', 'test.v1', '{}')`); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig
	cfg.MaxAttempts, cfg.RetryBackoff, cfg.Registerer = 2, time.Millisecond, prometheus.NewRegistry()
	startRelayWith(t, pool, newProducer(t, broker.ListenAddrs()), cfg, nil)
	waitAllSent(t, pool, 10*time.Second)
	requireAll(t, []string{good}, consumeAll(t, broker.ListenAddrs(), 1))
	var attempts int
	var lastErr string
	if err := pool.QueryRow(context.Background(), "SELECT attempts, last_error FROM outbox_dead_letters WHERE topic = ''").Scan(&attempts, &lastErr); err != nil {
		t.Fatalf("the row without a topic is not a dead letter: %v", err)
	}
	if attempts != 2 || !strings.Contains(lastErr, "no topic") {
		t.Fatalf("dead letter after %d attempts (%q), want 2 for no topic", attempts, lastErr)
	}
}
