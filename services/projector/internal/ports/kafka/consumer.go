// Package kafka is the projector's Kafka port: a consumer-group member that
// applies records to the index and commits offsets only after Redis has
// accepted them.
package kafka

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/events"
	"github.com/altisair/altis/services/projector/internal/app"
)

// GroupName is the projector's consumer group. Never rename it: a new name
// starts from scratch and replays the topic.
const GroupName = "altis-projector"

// ClientOptions are the options a projector's Kafka client needs.
func ClientOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumerGroup(GroupName),
		kgo.ConsumeTopics(events.TopicFlights),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}
}

// Consumer feeds polled records to the projection use case.
type Consumer struct {
	client  *kgo.Client
	project *app.ProjectEvents
	log     *slog.Logger
	lag     prometheus.Histogram
	applied *prometheus.CounterVec
}

// NewConsumer builds a consumer; reg receives its metrics.
func NewConsumer(client *kgo.Client, project *app.ProjectEvents, log *slog.Logger, reg prometheus.Registerer) (*Consumer, error) {
	if client == nil || project == nil || log == nil || reg == nil {
		return nil, errors.New("consumer: nil dependency")
	}
	c := &Consumer{client: client, project: project, log: log,
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "projector_event_lag_seconds",
			Help:    "Time from an event's commit (occurred_at) to its application to the index.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projector_events_total", Help: "Events consumed by outcome.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(c.lag, c.applied)
	return c, nil
}

// Run consumes until ctx ends.
func (c *Consumer) Run(ctx context.Context) error {
	for {
		fetches := c.client.PollRecords(ctx, 1000)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return ctx.Err()
		}
		fetches.EachError(func(topic string, p int32, err error) {
			c.log.WarnContext(ctx, "fetch failed", "topic", topic, "partition", p, "err", err)
		})
		records := fetches.Records()
		if err := c.handle(ctx, records); err != nil {
			return err
		}
		c.client.AllowRebalance()
	}
}

// handle applies records, retrying Redis failures until they succeed (the
// offsets stay uncommitted meanwhile), then commits. A failed commit (say,
// this member was dropped from the group while Redis was away) is logged,
// not fatal: whichever member owns the partition gets the records again,
// and applying them twice changes nothing.
func (c *Consumer) handle(ctx context.Context, records []*kgo.Record) error {
	if len(records) == 0 {
		return nil
	}
	raw := make([][]byte, len(records))
	for i, r := range records {
		raw[i] = r.Value
	}
	for backoff := 100 * time.Millisecond; ; backoff = min(backoff*2, 5*time.Second) {
		res, err := c.project.Handle(ctx, raw)
		if err == nil {
			c.observe(res)
			break
		}
		c.log.ErrorContext(ctx, "index write failed; retrying", "err", err, "records", len(records))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	if err := c.client.CommitRecords(ctx, records...); err != nil && ctx.Err() == nil {
		c.log.WarnContext(ctx, "offset commit failed; the records will be redelivered", "err", err)
	}
	return nil
}

func (c *Consumer) observe(res app.Result) {
	now := time.Now()
	for _, at := range res.OccurredAt {
		c.lag.Observe(now.Sub(at).Seconds())
	}
	c.applied.WithLabelValues("applied").Add(float64(res.Applied))
	c.applied.WithLabelValues("stale").Add(float64(res.Stale))
	c.applied.WithLabelValues("malformed").Add(float64(res.Malformed))
}
