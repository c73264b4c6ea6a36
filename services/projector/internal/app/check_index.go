package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// FlightVersion is a flight's inventory version in PostgreSQL: the version
// of the last change to its seats or schedule.
type FlightVersion struct {
	FlightID string
	Version  int64
}

// Inventory samples flights from the source of truth.
type Inventory interface {
	// Sample returns up to n flights still in the index's window, picked
	// at random, leaving out flights with an event the outbox has not
	// published yet (the index cannot have it: that is the relay's lag).
	Sample(ctx context.Context, n int) ([]FlightVersion, error)
}

// SeatVersions reads, for each flight, the inventory version of the sold
// seats the current index generation holds (0: the flight is missing).
type SeatVersions interface {
	// SeatVersions returns ErrNoCurrentIndex when there is no index.
	SeatVersions(ctx context.Context, flightIDs []string) ([]int64, error)
}

// ErrNoCurrentIndex means there is no current index generation.
var ErrNoCurrentIndex = errors.New("no current index generation")

// Results of one index check (the result label of projector_index_checks_total).
const (
	CheckOK       = "ok"         // every sampled flight is up to date
	CheckLagging  = "lagging"    // some were behind, and caught up within the grace
	CheckBehind   = "behind"     // some stayed behind: the index was rebuilt
	CheckNoIndex  = "no_index"   // nothing to compare (EnsureIndex builds it)
	CheckFailed   = "failed"     // PostgreSQL, Redis or the rebuild failed
	CheckRebuilds = "rebuilding" // another projector is rebuilding
)

// Reasons for a rebuild (the reason label of projector_index_rebuilds_total).
const (
	RebuildMissing = "missing" // no index, or one of an older schema
	RebuildBehind  = "behind"  // the index check found it behind PostgreSQL
)

// Metrics are the index maintenance counters.
type Metrics struct {
	Checks   *prometheus.CounterVec
	Rebuilds *prometheus.CounterVec
}

// NewMetrics registers the counters with reg.
func NewMetrics(reg prometheus.Registerer) Metrics {
	m := Metrics{
		Checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projector_index_checks_total", Help: "Periodic comparisons of sampled flights with PostgreSQL, by result.",
		}, []string{"result"}),
		Rebuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projector_index_rebuilds_total", Help: "Index rebuilds this projector finished, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.Checks, m.Rebuilds)
	return m
}

// CheckIndex compares a sample of flights in the index with PostgreSQL and
// rebuilds the index when it is behind: what a Redis failover to a lagging
// replica, or a lost write, leaves. A flight counts as behind only if it
// is still behind after a grace, so ordinary projection lag never
// triggers a rebuild.
type CheckIndex struct {
	inv     Inventory
	index   SeatVersions
	rebuild *RebuildIndex
	log     *slog.Logger
	metrics Metrics
	sample  int
	grace   time.Duration
}

// NewCheckIndex builds the use case: sample flights per check, grace to
// let projection catch up before a flight counts as behind.
func NewCheckIndex(inv Inventory, index SeatVersions, rebuild *RebuildIndex, log *slog.Logger, m Metrics,
	sample int, grace time.Duration) (*CheckIndex, error) {
	if inv == nil || index == nil || rebuild == nil || log == nil || m.Checks == nil || m.Rebuilds == nil ||
		sample < 1 || grace < 0 {
		return nil, errors.New("check index: nil dependency, bad sample or negative grace")
	}
	return &CheckIndex{inv: inv, index: index, rebuild: rebuild, log: log, metrics: m, sample: sample, grace: grace}, nil
}

// Handle checks once, rebuilding if needed, and returns the result.
func (c *CheckIndex) Handle(ctx context.Context) (string, error) {
	res, err := c.check(ctx)
	if err != nil && ctx.Err() == nil {
		res = CheckFailed
	}
	c.metrics.Checks.WithLabelValues(res).Inc()
	return res, err
}

func (c *CheckIndex) check(ctx context.Context) (string, error) {
	flights, err := c.inv.Sample(ctx, c.sample)
	if err != nil || len(flights) == 0 {
		return CheckOK, err
	}
	behind, err := c.behind(ctx, flights)
	if errors.Is(err, ErrNoCurrentIndex) {
		return CheckNoIndex, nil
	}
	if err != nil || len(behind) == 0 {
		return CheckOK, err
	}
	select {
	case <-ctx.Done():
		return CheckOK, ctx.Err()
	case <-time.After(c.grace):
	}
	if behind, err = c.behind(ctx, behind); err != nil || len(behind) == 0 {
		return CheckLagging, err
	}
	c.log.WarnContext(ctx, "index behind PostgreSQL; rebuilding", "flights_behind", len(behind),
		"sampled", len(flights), "example_flight", behind[0].FlightID, "postgres_version", behind[0].Version)
	_, err = c.rebuild.Handle(ctx)
	if errors.Is(err, ErrRebuildRunning) {
		return CheckRebuilds, nil
	}
	if err != nil {
		return CheckFailed, err
	}
	c.metrics.Rebuilds.WithLabelValues(RebuildBehind).Inc()
	return CheckBehind, nil
}

// behind returns the flights whose index seat version is below PostgreSQL's.
func (c *CheckIndex) behind(ctx context.Context, flights []FlightVersion) ([]FlightVersion, error) {
	ids := make([]string, len(flights))
	for i, f := range flights {
		ids[i] = f.FlightID
	}
	got, err := c.index.SeatVersions(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []FlightVersion
	for i, f := range flights {
		if got[i] < f.Version {
			out = append(out, f)
		}
	}
	return out, nil
}

// Watch runs Handle every interval until ctx ends.
func (c *CheckIndex) Watch(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if _, err := c.Handle(ctx); err != nil && ctx.Err() == nil {
			c.log.ErrorContext(ctx, "index check failed", "err", err)
		}
	}
}
