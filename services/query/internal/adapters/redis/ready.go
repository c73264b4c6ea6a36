package redis

import (
	"context"
	"fmt"

	"github.com/redis/rueidis"

	"github.com/altisair/altis/services/query/internal/app"
)

// Ready reports whether the index can answer: app.ErrNoIndex while there
// is no current generation (the projector's first build, or a wiped Redis).
func (ix *Index) Ready(ctx context.Context) error {
	err := ix.client.Do(ctx, ix.client.B().Get().Key(ix.keys.Current()).Build()).Error()
	if rueidis.IsRedisNil(err) {
		return app.ErrNoIndex
	}
	if err != nil {
		return fmt.Errorf("index status: %w", err)
	}
	return nil
}
