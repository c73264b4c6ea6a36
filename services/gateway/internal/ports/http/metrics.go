package http

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/services/gateway/internal/limits"
)

// Metrics are the gateway's own counters; request latency comes from web.
type Metrics struct {
	issued   prometheus.Counter
	rejected *prometheus.CounterVec
	limited  *prometheus.CounterVec
	fallback *prometheus.CounterVec
}

// NewMetrics registers the counters on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("http: metrics need a registerer")
	}
	m := &Metrics{
		issued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gateway_tokens_issued_total", Help: "Guest tokens issued.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_tokens_rejected_total", Help: "Requests refused for their token, by reason.",
		}, []string{"reason"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_rate_limited_total", Help: "Requests refused by a rate limit, by limiter.",
		}, []string{"limiter"}),
		fallback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_rate_limit_fallback_total", Help: "Rate-limit decisions taken locally because Redis failed or was late, by limiter.",
		}, []string{"limiter"}),
	}
	for _, r := range auth.Reasons() {
		m.rejected.WithLabelValues(r)
	}
	for _, b := range []string{limits.Search, limits.Holds, limits.Commits, limits.Tokens} {
		m.limited.WithLabelValues(b)
		m.fallback.WithLabelValues(b)
	}
	return m, registerAll(reg, m.issued, m.rejected, m.limited, m.fallback)
}

func registerAll(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
