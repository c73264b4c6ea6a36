// Package pipeline holds the projector's end-to-end tests: PostgreSQL
// outbox → relay → Kafka (embedded kfake) → projector → Redis index.
package pipeline
