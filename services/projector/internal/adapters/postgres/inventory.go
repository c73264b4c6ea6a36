package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/altisair/altis/services/projector/internal/app"
)

// Inventory samples flights' inventory versions for the index check.
type Inventory struct {
	pool *pgxpool.Pool
	// Since matches Snapshot.Since: flights the index holds.
	Since time.Duration
}

// NewInventory returns a sampler.
func NewInventory(pool *pgxpool.Pool) *Inventory {
	return &Inventory{pool: pool, Since: 24 * time.Hour}
}

// The anti-join reads only unsent outbox rows (a small set the relay keeps
// short); a flight with one is left out: the index cannot have that event.
const sampleSQL = `
SELECT f.id::text, i.version
FROM flights f JOIN flight_inventory i ON i.flight_id = f.id
WHERE f.arrival_at > $1
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL AND o.event_key = f.id::text)
ORDER BY random()
LIMIT $2`

// Sample implements app.Inventory.
func (inv *Inventory) Sample(ctx context.Context, n int) ([]app.FlightVersion, error) {
	rows, err := inv.pool.Query(ctx, sampleSQL, time.Now().Add(-inv.Since), n)
	if err != nil {
		return nil, fmt.Errorf("sample flights: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.FlightVersion, error) {
		var f app.FlightVersion
		return f, r.Scan(&f.FlightID, &f.Version)
	})
	if err != nil {
		return nil, fmt.Errorf("sample flights: %w", err)
	}
	return out, nil
}
