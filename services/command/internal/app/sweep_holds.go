package app

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// SweepHolds tidies expired holds and announces their seats as released.
// Availability never waits for it: readers ignore expired holds.
type SweepHolds struct {
	holds    Holds
	interval time.Duration
	batch    int
	log      *slog.Logger
}

// NewSweepHolds refuses nil dependencies and non-positive settings.
func NewSweepHolds(holds Holds, interval time.Duration, batch int, log *slog.Logger) (*SweepHolds, error) {
	if holds == nil || log == nil || interval <= 0 || batch < 1 {
		return nil, errors.New("sweep holds: nil dependency or non-positive setting")
	}
	return &SweepHolds{holds: holds, interval: interval, batch: batch, log: log}, nil
}

// Run sweeps every interval until ctx ends. A failed sweep is logged and
// tried again at the next tick: Redis may be away for a moment.
func (uc *SweepHolds) Run(ctx context.Context) error {
	t := time.NewTicker(uc.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := uc.sweep(ctx); err != nil && ctx.Err() == nil {
			uc.log.WarnContext(ctx, "hold sweep failed", "err", err)
		}
	}
}

// maxBatches bounds one tick's work: flights held again while being swept
// stay due, and must not keep a tick running.
const maxBatches = 20

// sweep visits due flights in batches until none is left.
func (uc *SweepHolds) sweep(ctx context.Context) error {
	for range maxBatches {
		n, err := uc.holds.Sweep(ctx, uc.batch)
		if err != nil || n < uc.batch || ctx.Err() != nil {
			return err
		}
	}
	return nil
}
