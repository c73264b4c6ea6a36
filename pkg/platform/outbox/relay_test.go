package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/migrations"
	"github.com/altisair/altis/pkg/platform/kafka"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/testenv"
)

const topic = "relay.test.v1"

func newPool(t *testing.T) *pgxpool.Pool {
	return testenv.Pool(t, migrations.Apply)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newBroker(t *testing.T, port int, dir string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(3, topic))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newProducer(t *testing.T, addrs []string) *kgo.Client {
	t.Helper()
	opts := append(kafka.ProducerOptions(), kgo.SeedBrokers(addrs...), kgo.RecordDeliveryTimeout(2*time.Second))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// testConfig polls fast so tests never wait on a timer.
var testConfig = RelayConfig{BatchSize: 50, PollInterval: 10 * time.Millisecond, LockRetry: 50 * time.Millisecond}

func startRelay(t *testing.T, pool *pgxpool.Pool, producer *kgo.Client, hook func() error) context.CancelFunc {
	t.Helper()
	_, cancel := runRelay(t, pool, producer, testConfig, hook)
	return cancel
}

// startRelayWith runs a relay until the test ends and returns it.
func startRelayWith(t *testing.T, pool *pgxpool.Pool, producer *kgo.Client, cfg RelayConfig, hook func() error) *Relay {
	t.Helper()
	r, _ := runRelay(t, pool, producer, cfg, hook)
	return r
}

// runRelay runs a relay until the test ends (or the returned cancel).
func runRelay(t *testing.T, pool *pgxpool.Pool, producer *kgo.Client, cfg RelayConfig, hook func() error) (*Relay, context.CancelFunc) {
	t.Helper()
	r, err := NewRelay(pool, producer, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	r.afterPublish = hook
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r, cancel
}

// write appends one message per call in its own transaction, optionally
// holding the transaction open for a while so commits land out of order.
func write(ctx context.Context, pool *pgxpool.Pool, hold time.Duration) (string, error) {
	id := uuid.NewString()
	payload, _ := json.Marshal(map[string]string{"id": id})
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := Append(ctx, tx, Message{EventID: id, Topic: topic, Key: id[:8], Type: "test.v1", Payload: payload}); err != nil {
			return err
		}
		time.Sleep(hold)
		return nil
	})
	return id, err
}

// waitAllSent waits until no row is unsent.
func waitAllSent(t *testing.T, pool *pgxpool.Pool, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var unsent int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&unsent); err != nil {
			t.Fatal(err)
		}
		if unsent == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox rows still unsent after %s", unsent, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// consumeAll reads the topic from the start until want distinct ids are
// seen (or the deadline passes) and returns how often each id arrived.
func consumeAll(t *testing.T, addrs []string, want int) map[string]int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(seen) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var m map[string]string
			if json.Unmarshal(r.Value, &m) == nil {
				seen[m["id"]]++
			}
		})
	}
	return seen
}

func requireAll(t *testing.T, ids []string, seen map[string]int) {
	t.Helper()
	for _, id := range ids {
		if seen[id] == 0 {
			t.Fatalf("event %s never reached the broker (%d of %d seen)", id, len(seen), len(ids))
		}
	}
}

func TestSixteenWritersCommittingOutOfOrderLoseNothing(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	startRelay(t, pool, newProducer(t, broker.ListenAddrs()), nil)

	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for range 20 {
				// Long holds on some writers let later ids commit first.
				id, err := write(context.Background(), pool, time.Duration(rand.IntN(30)+w%4*10)*time.Millisecond)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	waitAllSent(t, pool, 30*time.Second)
	requireAll(t, ids, consumeAll(t, broker.ListenAddrs(), len(ids)))
}

func TestCrashBetweenPublishAndMarkRepublishes(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	var ids []string
	for range 5 {
		id, err := write(context.Background(), pool, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var crashes atomic.Int32
	startRelay(t, pool, newProducer(t, broker.ListenAddrs()), func() error {
		if crashes.Add(1) == 1 {
			return errors.New("simulated crash after publish")
		}
		return nil
	})
	waitAllSent(t, pool, 10*time.Second)
	seen := consumeAll(t, broker.ListenAddrs(), len(ids))
	requireAll(t, ids, seen)
	dup := 0
	for _, id := range ids {
		if seen[id] > 1 {
			dup++
		}
	}
	if dup != len(ids) {
		t.Fatalf("want every event published twice after the crash, %d of %d were", dup, len(ids))
	}
}

func TestBrokerStoppedForAWhileLosesNothing(t *testing.T) {
	pool := newPool(t)
	port, dir := freePort(t), t.TempDir()
	broker := newBroker(t, port, dir)
	addrs := broker.ListenAddrs()
	startRelay(t, pool, newProducer(t, addrs), nil)

	var ids []string
	add := func(n int) {
		for range n {
			id, err := write(context.Background(), pool, 0)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
	}
	add(10)
	waitAllSent(t, pool, 10*time.Second)
	broker.Close()
	add(10) // the broker is down: these rows must wait
	time.Sleep(500 * time.Millisecond)
	var unsent int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&unsent); err != nil {
		t.Fatal(err)
	}
	if unsent != 10 {
		t.Fatalf("with the broker down, %d rows are unsent; want 10", unsent)
	}
	broker = newBroker(t, port, dir)
	defer broker.Close()
	add(10)
	waitAllSent(t, pool, 30*time.Second)
	requireAll(t, ids, consumeAll(t, addrs, len(ids)))
}

// TestNotificationsWakeTheRelay shows a commit is published long before the
// next poll: the poll interval here is a minute.
func TestNotificationsWakeTheRelay(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	cfg := testConfig
	cfg.PollInterval = time.Minute
	startRelayWith(t, pool, newProducer(t, broker.ListenAddrs()), cfg, nil)
	time.Sleep(200 * time.Millisecond) // the relay leads and waits
	var ids []string
	for range 50 {
		id, err := write(context.Background(), pool, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	waitAllSent(t, pool, 10*time.Second)
	requireAll(t, ids, consumeAll(t, broker.ListenAddrs(), len(ids)))
}

func TestStandbyTakesOverWhenThePublisherStops(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	producer := newProducer(t, broker.ListenAddrs())
	stopFirst := startRelay(t, pool, producer, nil)
	time.Sleep(100 * time.Millisecond) // the first relay takes the lock
	startRelay(t, pool, producer, nil)
	var ids []string
	for i := range 20 {
		if i == 10 {
			stopFirst()
		}
		id, err := write(context.Background(), pool, 5*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	waitAllSent(t, pool, 10*time.Second)
	requireAll(t, ids, consumeAll(t, broker.ListenAddrs(), len(ids)))
	var holders int
	err := pool.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::bigint::int
		   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		fmt.Sprint(LockKey&0xffffffff)).Scan(&holders)
	if err != nil {
		t.Fatal(err)
	}
	if holders != 1 {
		t.Fatalf("%d relays hold the publisher lock, want exactly 1", holders)
	}
}

func TestPublisherPrunesRowsSentLongAgo(t *testing.T) {
	pool := newPool(t)
	broker := newBroker(t, freePort(t), t.TempDir())
	defer broker.Close()
	for range 6 {
		if _, err := write(context.Background(), pool, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Three rows were sent four days ago; three wait to be sent.
	if _, err := pool.Exec(context.Background(), `UPDATE outbox SET sent_at = now() - interval '96 hours'
		WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig
	cfg.Retention, cfg.PruneEvery = 72*time.Hour, 10*time.Millisecond
	startRelayWith(t, pool, newProducer(t, broker.ListenAddrs()), cfg, nil)
	waitAllSent(t, pool, 10*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var total int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM outbox").Scan(&total); err != nil {
			t.Fatal(err)
		}
		if total == 3 {
			return // the three old rows are gone, the three just sent remain
		}
		if total < 3 || time.Now().After(deadline) {
			t.Fatalf("%d outbox rows left, want the 3 recently sent", total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
