-- +goose Up
-- An outbox row the broker refuses (too large, malformed) is retried with a
-- growing delay and, after the relay's max_attempts, moved to
-- outbox_dead_letters in the same transaction, so it stops blocking the rows
-- behind it. Adding columns with constant defaults rewrites nothing.
ALTER TABLE outbox
    ADD COLUMN attempts   int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN last_error text,
    ADD COLUMN retry_at   timestamptz;

-- Rows the relay gave up on: the original row (same id and event id), how
-- often the broker refused it, its last refusal and when it was moved.
-- To publish one again after fixing the cause, insert it back into outbox.
CREATE TABLE outbox_dead_letters (
    id          bigint PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    topic       text NOT NULL,
    event_key   text NOT NULL,
    event_type  text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    attempts    int NOT NULL CHECK (attempts > 0),
    last_error  text NOT NULL,
    dead_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE outbox_dead_letters;
ALTER TABLE outbox DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN retry_at;
