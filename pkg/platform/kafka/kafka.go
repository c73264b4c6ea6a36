// Package kafka builds franz-go clients from configuration.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/platform/config"
)

// Config is the [kafka] section.
type Config struct {
	Brokers    []string `koanf:"brokers"`
	Partitions int32    `koanf:"partitions"`
	Replicas   int16    `koanf:"replicas"`
}

// Validate checks that brokers are named.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return config.Invalid("brokers", "must name at least one host:port")
	}
	if c.Partitions < 1 {
		return config.Invalid("partitions", "must be at least 1")
	}
	if c.Replicas < 1 {
		return config.Invalid("replicas", "must be at least 1")
	}
	return nil
}

// NewClient returns a client for the brokers with extra options. franz-go
// connects lazily, so an absent broker shows in Ping, not at start.
func NewClient(c Config, opts ...kgo.Opt) (*kgo.Client, error) {
	all := append([]kgo.Opt{kgo.SeedBrokers(c.Brokers...)}, opts...)
	cl, err := kgo.NewClient(all...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return cl, nil
}

// Ping is a readiness check.
func Ping(cl *kgo.Client) func(ctx context.Context) error {
	return cl.Ping
}

// EnsureTopics creates the topics that do not exist yet with the configured
// partitions and replicas; existing topics are left alone.
func EnsureTopics(ctx context.Context, cl *kgo.Client, c Config, topics ...string) error {
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopics(ctx, c.Partitions, c.Replicas, nil, topics...)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for _, t := range resp.Sorted() {
		if t.Err != nil && !errors.Is(t.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", t.Topic, t.Err)
		}
	}
	return nil
}

// WaitTopics calls EnsureTopics until it succeeds or ctx ends, logging
// while the broker is away, so services may start before Kafka does.
func WaitTopics(ctx context.Context, cl *kgo.Client, c Config, log *slog.Logger, topics ...string) error {
	for wait := 500 * time.Millisecond; ; wait = min(wait*2, 10*time.Second) {
		err := EnsureTopics(ctx, cl, c, topics...)
		if err == nil {
			return nil
		}
		log.WarnContext(ctx, "kafka topics not ready; retrying", "err", err, "brokers", c.Brokers)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// ProducerOptions are the options of an outbox relay's producer: idempotent
// with acks from all in-sync replicas (franz-go's defaults, stated here on
// purpose), and a bounded delivery time so an absent broker surfaces as an
// error the relay retries instead of a call that never returns.
func ProducerOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(10 * time.Second),
		kgo.ProducerLinger(0),
	}
}
