package app

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// MinIdempotencyRetention is how long a key is kept at least: a retry a day
// later still replays.
const MinIdempotencyRetention = 24 * time.Hour

// PruneIdempotency deletes stored idempotency answers once they are older
// than the retention.
type PruneIdempotency struct {
	store     Idempotency
	interval  time.Duration
	retention time.Duration
	log       *slog.Logger
}

// NewPruneIdempotency refuses nil dependencies, a non-positive interval
// and a retention under MinIdempotencyRetention.
func NewPruneIdempotency(store Idempotency, interval, retention time.Duration, log *slog.Logger) (*PruneIdempotency, error) {
	if store == nil || log == nil || interval <= 0 || retention < MinIdempotencyRetention {
		return nil, errors.New("prune idempotency: nil dependency, non-positive interval or retention under 24h")
	}
	return &PruneIdempotency{store: store, interval: interval, retention: retention, log: log}, nil
}

// Run prunes at once, then every interval until ctx ends (a process that
// restarts more often than the interval still prunes). A failed round is
// logged and tried again at the next tick.
func (uc *PruneIdempotency) Run(ctx context.Context) error {
	t := time.NewTicker(uc.interval)
	defer t.Stop()
	for {
		uc.prune(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (uc *PruneIdempotency) prune(ctx context.Context) {
	n, err := uc.store.Prune(ctx, uc.retention)
	switch {
	case err != nil && ctx.Err() == nil:
		uc.log.WarnContext(ctx, "idempotency prune failed", "err", err)
	case n > 0:
		uc.log.InfoContext(ctx, "idempotency keys pruned", "deleted", n)
	}
}
