package kafka

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/services/projector/internal/app"
)

// nopIndex accepts every update.
type nopIndex struct{}

func (nopIndex) Apply(_ context.Context, u []app.Update) (int, error) { return len(u), nil }

// newConsumer is a Consumer on a client of the broker at seeds, applying to
// nopIndex, whose pauses are recorded instead of waited. The client closes
// when the test ends.
func newConsumer(t *testing.T, seeds kgo.Opt) (*Consumer, *waits) {
	t.Helper()
	cl, err := kgo.NewClient(append(ClientOptions(10*time.Second), seeds)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.CloseAllowingRebalance)
	project, err := app.NewProjectEvents(nopIndex{}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConsumer(cl, project, logging.Discard(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep
	return c, w
}

// waits records every pause the consumer takes, without waiting.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// A broker that answers every fetch with an error (here: the topic is
// not authorised, an error franz-go hands to the poll rather than retrying
// inside) makes every poll fail at once; the consumer must pause after
// each failed poll, and the pauses must grow to the cap instead of polling
// flat out. The injected sleep returns at once, so the test counts failed
// polls and pauses rather than timing anything.
func TestBrokerOutageBacksOffInsteadOfSpinning(t *testing.T) {
	broker, err := kfake.NewCluster(kfake.SeedTopics(1, events.Topics()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	c, w := newConsumer(t, kgo.SeedBrokers(broker.ListenAddrs()...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	broker.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		broker.KeepControl()
		fetch := req.(*kmsg.FetchRequest)
		resp := fetch.ResponseKind().(*kmsg.FetchResponse)
		for _, rt := range fetch.Topics {
			t := kmsg.NewFetchResponseTopic()
			t.Topic, t.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				p := kmsg.NewFetchResponseTopicPartition()
				p.Partition, p.ErrorCode = rp.Partition, kerr.TopicAuthorizationFailed.Code
				t.Partitions = append(t.Partitions, p)
			}
			resp.Topics = append(resp.Topics, t)
		}
		return resp, nil, true
	})
	go func() { done <- c.Run(ctx) }()

	const want = 12 // enough failures to reach the cap
	deadline := time.Now().Add(20 * time.Second)
	for len(w.all()) < want {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("only %d pauses after the broker went away (fetch errors %v)", len(w.all()), testutil.ToFloat64(c.fetchErrors))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	pauses := w.all()
	if failed := int(testutil.ToFloat64(c.fetchErrors)); failed > len(pauses) {
		t.Fatalf("%d failed polls but only %d pauses: the consumer polled without pausing", failed, len(pauses))
	}
	for i, d := range pauses[:want] {
		ceiling := min(retryBase<<i, retryCap)
		if d < ceiling/2 || d > ceiling {
			t.Fatalf("pause %d is %s, want within [%s, %s] (exponential, capped, jittered): %v", i+1, d, ceiling/2, ceiling, pauses)
		}
	}
}

func TestBackoffGrowsToTheCap(t *testing.T) {
	for n := 1; n <= 40; n++ {
		ceiling := retryCap
		if n < 16 {
			ceiling = min(retryBase<<(n-1), retryCap)
		}
		for range 50 {
			if d := backoff(n); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", n, d, ceiling/2, ceiling)
			}
		}
	}
}

// A malformed record that fits the broker's limit can outgrow it once the
// dead-letter headers are added. The consumer must not retry that write
// forever (stalling every partition): the dead letter goes without its
// value, with a header saying so, and the offset moves on.
func TestOversizedDeadLetterGoesWithoutItsValue(t *testing.T) {
	broker, err := kfake.NewCluster(kfake.SeedTopics(1, events.Topics()...),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "3000"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	seeds := kgo.SeedBrokers(broker.ListenAddrs()...)
	producer, err := kgo.NewClient(seeds)
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Not JSON: malformed; random, so compression cannot shrink it; near
	// the limit once in a batch.
	garbage := make([]byte, 2860)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	if err := producer.ProduceSync(ctx, &kgo.Record{Topic: events.TopicFlights, Value: garbage}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	c, w := newConsumer(t, seeds)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	reader, err := kgo.NewClient(seeds, kgo.ConsumeTopics(events.TopicDeadLetter), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	readCtx, stop := context.WithTimeout(ctx, 20*time.Second)
	defer stop()
	var got []*kgo.Record
	for len(got) == 0 && readCtx.Err() == nil {
		got = append(got, reader.PollFetches(readCtx).Records()...)
	}
	cancel()
	<-done
	if len(got) != 1 {
		t.Fatalf("%d dead letters, want 1 (retries: %d)", len(got), len(w.all()))
	}
	headers := map[string]string{}
	for _, h := range got[0].Headers {
		headers[h.Key] = string(h.Value)
	}
	if len(got[0].Value) != 0 || headers[events.DeadLetterValueDropped] == "" || headers[events.DeadLetterOffset] != "0" {
		t.Fatalf("dead letter value %d bytes, headers %v", len(got[0].Value), headers)
	}
}
