package redis

import (
	"context"
	"fmt"

	platformredis "github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/readmodel"
	"github.com/altisair/altis/services/query/internal/app"
)

// flightExistsScript returns 0 when there is no index, 1 when the current
// generation does not hold the flight, 2 when it does.
var flightExistsScript = platformredis.NewScript(readmodel.Lua(`
local cur = redis.call('GET', K.current())
if not cur then return 0 end
return 1 + redis.call('HEXISTS', K.flight(cur, ARGV[2]), 'doc')`))

// FlightExists reports whether the current index generation holds the
// flight; app.ErrNoIndex when there is no index.
func (ix *Index) FlightExists(ctx context.Context, flightID string) (bool, error) {
	n, err := flightExistsScript.Exec(ctx, ix.client, nil, []string{ix.keys.Prefix(), flightID}).AsInt64()
	if err != nil {
		return false, fmt.Errorf("FlightExists(%q): %w", flightID, err)
	}
	if n == 0 {
		return false, app.ErrNoIndex
	}
	return n == 2, nil
}
