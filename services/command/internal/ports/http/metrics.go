package http

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a seat hold or a commit that succeeded; a failure is counted
// under the error code the client received (the error table's codes,
// invalid_request, internal…), a fixed set.
const (
	OutcomeHeld        = "held"
	OutcomeAlreadyHeld = "already_held"
	OutcomeConfirmed   = "confirmed"
)

// Metrics are the command API's business counters; request latency by
// route and status comes from web.
type Metrics struct {
	seatHolds *prometheus.CounterVec
	commits   *prometheus.CounterVec
}

// NewMetrics registers the counters on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("command http: metrics need a registerer")
	}
	m := &Metrics{
		seatHolds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "command_seat_holds_total",
			Help: "Seat hold requests handled (idempotent replays excluded), by outcome: held, already_held or the error code."},
			[]string{"outcome"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "command_commits_total",
			Help: "Booking commits handled (idempotent replays excluded), by outcome: confirmed or the error code."},
			[]string{"outcome"}),
	}
	// The successes exist from the start, so a rate over them is 0, not absent.
	m.seatHolds.WithLabelValues(OutcomeHeld)
	m.seatHolds.WithLabelValues(OutcomeAlreadyHeld)
	m.commits.WithLabelValues(OutcomeConfirmed)
	for _, c := range []prometheus.Collector{m.seatHolds, m.commits} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("command http metrics: %w", err)
		}
	}
	return m, nil
}

// countedBy wraps a handler so that each call counts once in vec: under
// the outcome its success status names, or under the error code.
func countedBy(vec *prometheus.CounterVec, outcomes map[int]string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		outcome, ok := outcomes[c.Response().Status]
		switch {
		case err != nil:
			outcome = Errors.Resolve(err).Code
		case !ok:
			outcome = "other"
		}
		vec.WithLabelValues(outcome).Inc()
		return err
	}
}

func (m *Metrics) countSeatHolds(next echo.HandlerFunc) echo.HandlerFunc {
	return countedBy(m.seatHolds, map[int]string{http.StatusCreated: OutcomeHeld, http.StatusOK: OutcomeAlreadyHeld}, next)
}

func (m *Metrics) countCommits(next echo.HandlerFunc) echo.HandlerFunc {
	return countedBy(m.commits, map[int]string{http.StatusCreated: OutcomeConfirmed}, next)
}
