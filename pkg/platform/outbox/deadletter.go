package outbox

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// maxErrorText bounds the refusal text kept on a row.
const maxErrorText = 1000

// refuse counts one refusal against each row, records the error and when
// to try again (RetryBackoff doubling per refusal, capped), and moves the
// rows that reached MaxAttempts to outbox_dead_letters, all within tx. It
// returns the ids moved.
func (r *Relay) refuse(ctx context.Context, tx pgx.Tx, refused []refusal) ([]int64, error) {
	if len(refused) == 0 {
		return nil, nil
	}
	ids, texts := make([]int64, len(refused)), make([]string, len(refused))
	for i, f := range refused {
		ids[i], texts[i] = f.id, errorText(f.err)
	}
	rs, err := tx.Query(ctx, `
		UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.err,
		    retry_at = now() + least($3::interval * power(2, least(o.attempts, 20)), greatest($3::interval, interval '1 minute'))
		FROM unnest($1::bigint[], $2::text[]) AS f(id, err)
		WHERE o.id = f.id
		RETURNING o.id, o.attempts`, ids, texts, r.cfg.RetryBackoff)
	if err != nil {
		return nil, fmt.Errorf("count outbox refusals: %w", err)
	}
	var id int64
	var attempts int
	var dead []int64
	_, err = pgx.ForEachRow(rs, []any{&id, &attempts}, func() error {
		if attempts >= r.cfg.MaxAttempts {
			dead = append(dead, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count outbox refusals: %w", err)
	}
	return dead, moveToDeadLetters(ctx, tx, dead)
}

// moveToDeadLetters moves rows, whole, from outbox to outbox_dead_letters.
func moveToDeadLetters(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		WITH moved AS (
		    DELETE FROM outbox WHERE id = ANY($1)
		    RETURNING id, event_id, topic, event_key, event_type, payload, created_at, attempts, last_error)
		INSERT INTO outbox_dead_letters (id, event_id, topic, event_key, event_type, payload, created_at, attempts, last_error)
		SELECT id, event_id, topic, event_key, event_type, payload, created_at, attempts, last_error FROM moved`, ids)
	if err != nil {
		return fmt.Errorf("move outbox rows to dead letters: %w", err)
	}
	return nil
}

// logRefusals reports each refusal, and each row given up on, once the
// transaction that recorded them committed.
func (r *Relay) logRefusals(ctx context.Context, refused []refusal, dead []int64) {
	for _, f := range refused {
		attrs := []any{"outbox_id", f.id, "event_type", f.evType, "key", f.key, "topic", f.topic, "err", f.err}
		if slices.Contains(dead, f.id) {
			r.log.ErrorContext(ctx, "outbox row moved to outbox_dead_letters", append(attrs, "attempts", r.cfg.MaxAttempts)...)
			continue
		}
		r.log.WarnContext(ctx, "broker refused an outbox row; it will be retried", attrs...)
	}
}

func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorText {
		s = s[:maxErrorText]
	}
	return s
}
