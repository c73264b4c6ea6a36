// Package kafka is the projector's Kafka port: a consumer-group member that
// applies records to the index, sets aside records it can never apply on
// the dead-letter topic, and commits offsets only after both have succeeded.
package kafka

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/pkg/platform/lifecycle"
	"github.com/altisair/altis/services/projector/internal/app"
)

// GroupName is the projector's consumer group. Never rename it: a new name
// starts from scratch and replays the topic.
const GroupName = "altis-projector"

// Retry delays: exponential from retryBase, capped at retryCap, with jitter.
const (
	retryBase = 100 * time.Millisecond
	retryCap  = 5 * time.Second
)

// ClientOptions are the options a projector's Kafka client needs. The same
// client writes dead letters: acks from all in-sync replicas and a bounded
// delivery time, so an absent broker is an error the consumer retries.
// session is how long the group waits for a silent member (a killed
// projector) before its partitions move to the others.
func ClientOptions(session time.Duration) []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumerGroup(GroupName),
		kgo.SessionTimeout(session),
		kgo.HeartbeatInterval(min(3*time.Second, session/5)),
		kgo.ConsumeTopics(events.TopicFlights),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(10 * time.Second),
	}
}

// Consumer feeds polled records to the projection use case.
type Consumer struct {
	client      *kgo.Client
	project     *app.ProjectEvents
	log         *slog.Logger
	lag         prometheus.Histogram
	applied     *prometheus.CounterVec
	deadLetters *prometheus.CounterVec
	behind      *prometheus.GaugeVec
	fetchErrors prometheus.Counter
	// sleep waits d or until ctx ends; tests replace it to count waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewConsumer builds a consumer; reg receives its metrics.
func NewConsumer(client *kgo.Client, project *app.ProjectEvents, log *slog.Logger, reg prometheus.Registerer) (*Consumer, error) {
	if client == nil || project == nil || log == nil || reg == nil {
		return nil, errors.New("consumer: nil dependency")
	}
	c := &Consumer{client: client, project: project, log: log, sleep: lifecycle.Sleep,
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "projector_event_lag_seconds",
			Help:    "Time from an event's commit (occurred_at) to its application to the index.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projector_events_total", Help: "Events consumed by outcome (applied, stale, malformed).",
		}, []string{"outcome"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projector_dead_letters_total", Help: "Records written to the dead-letter topic by reason.",
		}, []string{"reason"}),
		behind: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "projector_partition_lag_records",
			Help: "Records of an assigned partition not yet processed: high watermark minus the next offset to process.",
		}, []string{"partition"}),
		fetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "projector_fetch_errors_total", Help: "Polls that returned a fetch error (each followed by a backoff).",
		}),
	}
	reg.MustRegister(c.lag, c.applied, c.deadLetters, c.behind, c.fetchErrors)
	return c, nil
}

// Run consumes until ctx ends. A poll that only brings errors (the broker
// is away) is followed by a growing, jittered pause, so an outage costs a
// poll every few seconds rather than a spinning core.
func (c *Consumer) Run(ctx context.Context) error {
	failures := 0
	for {
		fetches := c.client.PollRecords(ctx, 1000)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return ctx.Err()
		}
		failed := false
		fetches.EachError(func(topic string, p int32, err error) {
			failed = true
			c.log.WarnContext(ctx, "fetch failed", "topic", topic, "partition", p, "err", err)
		})
		records := fetches.Records()
		if err := c.handle(ctx, records); err != nil {
			return err
		}
		c.observeBehind(fetches)
		c.client.AllowRebalance()
		if !failed || len(records) > 0 {
			failures = 0
			continue
		}
		c.fetchErrors.Inc()
		failures++
		if err := c.sleep(ctx, backoff(failures)); err != nil {
			return err
		}
	}
}

// handle applies records and dead-letters the ones that can never apply,
// retrying Redis and Kafka failures until they succeed (the offsets stay
// uncommitted meanwhile), then commits. A failed commit (say, this member
// was dropped from the group while Redis was away) is logged, not fatal:
// whichever member owns the partition gets the records again, and applying
// them twice changes nothing.
func (c *Consumer) handle(ctx context.Context, records []*kgo.Record) error {
	if len(records) == 0 {
		return nil
	}
	raw := make([][]byte, len(records))
	for i, r := range records {
		raw[i] = r.Value
	}
	var res app.Result
	err := c.retry(ctx, "index write", func() (err error) {
		res, err = c.project.Handle(ctx, raw)
		return err
	})
	if err != nil {
		return err
	}
	c.observe(res)
	if err := c.deadLetter(ctx, records, res.Rejected); err != nil {
		return err
	}
	if err := c.client.CommitRecords(ctx, records...); err != nil && ctx.Err() == nil {
		c.log.WarnContext(ctx, "offset commit failed; the records will be redelivered", "err", err)
	}
	return nil
}

// deadLetter writes each rejected record to the dead-letter topic and
// waits for the broker's acknowledgement.
func (c *Consumer) deadLetter(ctx context.Context, records []*kgo.Record, rejected []app.Rejected) error {
	if len(rejected) == 0 {
		return nil
	}
	out := make([]*kgo.Record, len(rejected))
	for i, r := range rejected {
		out[i] = toDeadLetter(records[r.Index], r)
	}
	err := c.retry(ctx, "dead-letter write", func() error {
		results := c.client.ProduceSync(ctx, out...)
		out = out[:0]
		for _, res := range results {
			switch {
			case res.Err == nil:
			case errors.Is(res.Err, kerr.MessageTooLarge) && res.Record.Value != nil:
				// The headers pushed it over the limit: keep the record's
				// coordinates and reason, drop its bytes (they stay in the
				// source topic at that offset), so the partition moves on.
				out = append(out, withoutValue(res.Record))
			default:
				out = append(out, res.Record)
			}
		}
		return results.FirstErr()
	})
	if err != nil {
		return err
	}
	for _, r := range rejected {
		src := records[r.Index]
		c.deadLetters.WithLabelValues(r.Reason).Inc()
		c.log.ErrorContext(ctx, "event dead-lettered", "reason", r.Reason, "err", r.Err,
			"topic", src.Topic, "partition", src.Partition, "offset", src.Offset)
	}
	return nil
}

// toDeadLetter is the original record, bytes and headers untouched, plus
// headers naming why it was rejected and where it came from.
func toDeadLetter(src *kgo.Record, r app.Rejected) *kgo.Record {
	headers := append([]kgo.RecordHeader(nil), src.Headers...)
	for _, h := range [][2]string{
		{events.DeadLetterReason, r.Reason}, {events.DeadLetterError, r.Err.Error()},
		{events.DeadLetterTopic, src.Topic}, {events.DeadLetterPartition, strconv.Itoa(int(src.Partition))},
		{events.DeadLetterOffset, strconv.FormatInt(src.Offset, 10)}, {events.DeadLetterConsumer, GroupName},
	} {
		headers = append(headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
	}
	return &kgo.Record{Topic: events.TopicDeadLetter, Key: src.Key, Value: src.Value, Headers: headers}
}

// withoutValue is a dead letter too large for the broker, its value
// dropped and a header saying so.
func withoutValue(r *kgo.Record) *kgo.Record {
	headers := append(append([]kgo.RecordHeader(nil), r.Headers...),
		kgo.RecordHeader{Key: events.DeadLetterValueDropped, Value: []byte("too large; read it at dlq_topic/dlq_partition/dlq_offset")})
	return &kgo.Record{Topic: r.Topic, Key: r.Key, Headers: headers}
}

// retry calls fn until it succeeds or ctx ends, pausing between attempts.
func (c *Consumer) retry(ctx context.Context, what string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.ErrorContext(ctx, what+" failed; retrying", "err", err, "attempt", attempt)
		if err := c.sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// backoff is the pause after the n-th consecutive failure: exponential,
// capped, and jittered over its upper half so that projectors that failed
// together do not retry together.
func backoff(n int) time.Duration {
	d := retryCap
	if n < 16 {
		d = min(retryBase<<(n-1), retryCap)
	}
	return d/2 + rand.N(d/2+1)
}

func (c *Consumer) observe(res app.Result) {
	now := time.Now()
	for _, at := range res.OccurredAt {
		c.lag.Observe(now.Sub(at).Seconds())
	}
	c.applied.WithLabelValues("applied").Add(float64(res.Applied))
	c.applied.WithLabelValues("stale").Add(float64(res.Stale))
	c.applied.WithLabelValues("malformed").Add(float64(len(res.Rejected)))
}

// observeBehind sets each fetched partition's lag: its high watermark
// minus the offset after the last record just processed.
func (c *Consumer) observeBehind(fetches kgo.Fetches) {
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 || p.Err != nil {
			return
		}
		next := p.Records[len(p.Records)-1].Offset + 1
		c.behind.WithLabelValues(strconv.Itoa(int(p.Partition))).Set(float64(max(p.HighWatermark-next, 0)))
	})
}
