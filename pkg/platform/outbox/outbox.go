// Package outbox implements the transactional outbox: messages are appended
// in the same PostgreSQL transaction as the change they describe, and a
// relay publishes them to Kafka at least once.
package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Message is one row of the outbox table.
type Message struct {
	EventID string // unique; consumers deduplicate on it or on a version
	Topic   string
	Key     string // partition key (a flight id)
	Type    string
	Payload []byte // the whole event, as published
}

// Append writes msgs to the outbox within tx using one statement.
func Append(ctx context.Context, tx pgx.Tx, msgs ...Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids, topics, keys, types, payloads := columns(msgs)
	_, err := tx.Exec(ctx, `
		INSERT INTO outbox (event_id, topic, event_key, event_type, payload)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
		ids, topics, keys, types, payloads)
	if err != nil {
		return fmt.Errorf("append outbox: %w", err)
	}
	return nil
}

func columns(msgs []Message) (ids, topics, keys, types, payloads []string) {
	for _, m := range msgs {
		ids = append(ids, m.EventID)
		topics = append(topics, m.Topic)
		keys = append(keys, m.Key)
		types = append(types, m.Type)
		payloads = append(payloads, string(m.Payload))
	}
	return ids, topics, keys, types, payloads
}
