-- +goose Up
-- Idempotency claims. A request claims its (guest_id, key) until
-- locked_until; a claim whose request crashed mid-way is taken over once
-- that moment has passed. A completed record carries the answer to replay.
-- Records are pruned by age (created_at), kept at least 24 hours.

ALTER TABLE idempotency_keys
    ADD COLUMN locked_until timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT idempotency_keys_answer CHECK (
        (completed_at IS NULL AND status_code IS NULL AND response_body IS NULL)
        OR (completed_at IS NOT NULL AND status_code BETWEEN 100 AND 599 AND response_body IS NOT NULL));

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created;
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_answer,
    DROP COLUMN locked_until;
