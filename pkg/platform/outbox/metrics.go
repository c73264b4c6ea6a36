package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the relay's Prometheus series.
type metrics struct {
	backlog     prometheus.Gauge
	oldestAge   prometheus.Gauge
	published   prometheus.Counter
	refused     prometheus.Counter
	deadLetters prometheus.Counter
}

// newMetrics builds the series and registers them on reg unless it is nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_backlog_rows",
			Help: "Outbox rows not yet published (sampled)."}),
		oldestAge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_oldest_unsent_age_seconds",
			Help: "Age of the oldest unpublished outbox row; 0 when none (sampled)."}),
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_published_total",
			Help: "Outbox rows published and marked sent by this process."}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_refused_total",
			Help: "Publish attempts the broker refused for the record itself (each counts toward max_attempts)."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_dead_letters_total",
			Help: "Outbox rows moved to outbox_dead_letters after max_attempts refusals."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.backlog, m.oldestAge, m.published, m.refused, m.deadLetters} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("outbox relay metrics: %w", err)
		}
	}
	return m, nil
}

// sampleBacklog refreshes the backlog gauges every SampleEvery until ctx
// ends. The count walks the partial index of unsent rows, which is small
// unless publishing is stuck; a failed sample keeps the last values.
func (r *Relay) sampleBacklog(ctx context.Context) {
	t := time.NewTicker(r.cfg.SampleEvery)
	defer t.Stop()
	for {
		if err := r.sample(ctx); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "outbox backlog not sampled", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Relay) sample(ctx context.Context) error {
	var rows int64
	var age float64
	err := r.pool.QueryRow(ctx, `
		SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		FROM outbox WHERE sent_at IS NULL`).Scan(&rows, &age)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return fmt.Errorf("sample outbox backlog: %w", err)
	}
	r.metrics.backlog.Set(float64(rows))
	r.metrics.oldestAge.Set(max(age, 0))
	return nil
}
