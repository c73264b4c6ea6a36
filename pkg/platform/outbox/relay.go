package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/platform/lifecycle"
)

// LockKey is the advisory-lock key that makes one relay the publisher.
const LockKey int64 = 0x616c746973_01 // "altis" + 1

// RelayConfig tunes a Relay.
type RelayConfig struct {
	BatchSize    int
	PollInterval time.Duration // wait when the outbox is empty
	LockRetry    time.Duration // how often a standby tries to take over
	// Retention is how long sent rows are kept (for audits and replays)
	// before the publisher deletes them; 0 keeps them forever.
	Retention time.Duration
	// PruneEvery is how often the publisher deletes expired rows; default
	// one minute.
	PruneEvery time.Duration
	// MaxAttempts is how often the broker may refuse a row itself (too
	// large, malformed) before the row moves to outbox_dead_letters;
	// default 10. A broker that cannot be reached never counts.
	MaxAttempts int
	// RetryBackoff is the wait before a refused row is tried again; it
	// doubles with each refusal, up to a minute (or RetryBackoff if
	// longer). Default one second.
	RetryBackoff time.Duration
	// SampleEvery is how often the backlog gauges are refreshed; default
	// five seconds.
	SampleEvery time.Duration
	// Registerer receives the relay's metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
}

// Defaults of the optional RelayConfig fields.
const (
	DefaultMaxAttempts  = 10
	DefaultRetryBackoff = time.Second
	DefaultSampleEvery  = 5 * time.Second
)

func (c RelayConfig) withDefaults() RelayConfig {
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.SampleEvery <= 0 {
		c.SampleEvery = DefaultSampleEvery
	}
	return c
}

// Relay publishes outbox rows to Kafka at least once. Only the relay that
// holds the advisory lock publishes; the lock lives on its connection, so
// when that process dies PostgreSQL releases it and a standby takes over.
type Relay struct {
	pool     *pgxpool.Pool
	producer *kgo.Client
	cfg      RelayConfig
	log      *slog.Logger
	// afterPublish runs between publishing a batch and marking it sent;
	// tests use it to simulate a crash at the worst moment.
	afterPublish func() error
	// notified is set by every NOTIFY the relay's connection receives, at
	// whatever moment it arrives; wait consumes it.
	notified atomic.Bool
	metrics  *metrics
}

// NewRelay builds a relay. The producer should be idempotent with acks=all
// (franz-go's defaults).
func NewRelay(pool *pgxpool.Pool, producer *kgo.Client, cfg RelayConfig, log *slog.Logger) (*Relay, error) {
	if pool == nil || producer == nil || log == nil {
		return nil, errors.New("outbox relay: nil dependency")
	}
	if cfg.BatchSize < 1 || cfg.PollInterval <= 0 || cfg.LockRetry <= 0 || cfg.Retention < 0 {
		return nil, errors.New("outbox relay: batch size, poll interval and lock retry must be positive, retention not negative")
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Relay{pool: pool, producer: producer, cfg: cfg, log: log, metrics: m}, nil
}

// Run publishes until ctx ends, standing by while another relay holds the
// lock and retrying after any failure. Every relay, publisher or standby,
// samples the backlog gauges: the backlog belongs to the database, and a
// publisher that keeps failing still leaves them current.
func (r *Relay) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { defer close(sampled); r.sampleBacklog(ctx) }()
	defer func() { cancel(); <-sampled }()
	for {
		err := r.leadOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, errNotLeader) {
			r.log.WarnContext(ctx, "outbox relay interrupted", "err", err)
		}
		if lifecycle.Sleep(ctx, r.cfg.LockRetry) != nil {
			return ctx.Err()
		}
	}
}

var errNotLeader = errors.New("another relay holds the lock")

// NotifyChannel is where committed outbox writes announce themselves (see
// migrations/sql/00002_outbox_notify.sql).
const NotifyChannel = "altis_outbox"

// leadOnce takes the lock on a dedicated connection and publishes on it
// until an error; closing the connection releases the lock.
func (r *Relay) leadOnce(ctx context.Context) error {
	conn, err := r.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", LockKey).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return errNotLeader
	}
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	r.log.InfoContext(ctx, "outbox relay is the publisher")
	pruned := time.Now()
	for {
		n, err := r.publishBatch(ctx, conn)
		if err != nil {
			return err
		}
		if time.Since(pruned) >= r.cfg.PruneEvery {
			if err := r.prune(ctx, conn); err != nil {
				return err
			}
			pruned = time.Now()
		}
		if n == 0 {
			if err := r.wait(ctx, conn); err != nil {
				return err
			}
		}
	}
}

// connect opens the relay's own connection:
//   - a canceled wait only sets a read deadline: the default handler would
//     also send PostgreSQL a cancel request, which could hit the next statement;
//   - notifications only raise a flag instead of queueing on the connection
//     (pgx's default buffer would grow with every commit);
//   - short TCP keepalives, so that when this host dies PostgreSQL notices
//     within about half a minute and frees the lock for a standby.
func (r *Relay) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := r.pool.Config().ConnConfig.Copy()
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	cfg.OnNotification = func(*pgconn.PgConn, *pgconn.Notification) { r.notified.Store(true) }
	for k, v := range map[string]string{"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"} {
		cfg.RuntimeParams[k] = v
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// wait returns when a commit has announced outbox rows (now or since the
// last wait) or after PollInterval, whichever comes first.
func (r *Relay) wait(ctx context.Context, conn *pgx.Conn) error {
	if r.notified.Swap(false) {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, r.cfg.PollInterval)
	defer cancel()
	err := conn.PgConn().WaitForNotification(wctx)
	r.notified.Store(false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// prune deletes rows sent longer than Retention ago, a bounded batch at a
// time so it never holds the table long.
func (r *Relay) prune(ctx context.Context, conn *pgx.Conn) error {
	if r.cfg.Retention == 0 {
		return nil
	}
	tag, err := conn.Exec(ctx, `
		DELETE FROM outbox WHERE id IN (
			SELECT id FROM outbox WHERE sent_at < now() - $1::interval ORDER BY id LIMIT 10000)`,
		r.cfg.Retention)
	if err != nil {
		return fmt.Errorf("prune outbox: %w", err)
	}
	if n := tag.RowsAffected(); n > 0 {
		r.log.InfoContext(ctx, "pruned sent outbox rows", "rows", n, "older_than", r.cfg.Retention.String())
	}
	return nil
}

type row struct {
	id                 int64
	topic, key, evType string
	payload            []byte
}

// publishBatch claims up to BatchSize unsent rows that are due, publishes
// them and, in one transaction, marks the published ones sent and counts a
// refusal against each row the broker refused for itself (moving it to the
// dead letters after MaxAttempts). SKIP LOCKED claims rows that committed
// out of id order too: they are simply unsent rows. Rows that failed for
// any other reason (the broker is away) stay as they were, and the error
// is returned once the progress is committed.
func (r *Relay) publishBatch(ctx context.Context, conn *pgx.Conn) (int, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := claim(ctx, tx, r.cfg.BatchSize)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	out := r.publish(ctx, rows)
	if r.afterPublish != nil {
		if err := r.afterPublish(); err != nil {
			return 0, err
		}
	}
	if err := markSent(ctx, tx, out.sent); err != nil {
		return 0, err
	}
	dead, err := r.refuse(ctx, tx, out.refused)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	r.metrics.published.Add(float64(len(out.sent)))
	r.metrics.refused.Add(float64(len(out.refused)))
	r.metrics.deadLetters.Add(float64(len(dead)))
	r.logRefusals(ctx, out.refused, dead)
	return len(rows), out.failed
}

func claim(ctx context.Context, tx pgx.Tx, limit int) ([]row, error) {
	rs, err := tx.Query(ctx, `
		SELECT id, topic, event_key, event_type, payload::text FROM outbox
		WHERE sent_at IS NULL AND (retry_at IS NULL OR retry_at <= now())
		ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox rows: %w", err)
	}
	return pgx.CollectRows(rs, func(rw pgx.CollectableRow) (row, error) {
		var x row
		var payload string
		err := rw.Scan(&x.id, &x.topic, &x.key, &x.evType, &payload)
		x.payload = []byte(payload)
		return x, err
	})
}

func markSent(ctx context.Context, tx pgx.Tx, rows []row) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, x := range rows {
		ids[i] = x.id
	}
	_, err := tx.Exec(ctx, "UPDATE outbox SET sent_at = now() WHERE id = ANY($1)", ids)
	if err != nil {
		return fmt.Errorf("mark outbox rows sent: %w", err)
	}
	return nil
}
