package lifecycle

import (
	"context"
	"time"
)

// Sleep waits d, or less if ctx ends first: then it returns ctx's error.
// Every retry loop and backoff waits through it, so a stop never waits
// out a pause.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
