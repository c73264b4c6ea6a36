-- +goose Up
-- Wake the outbox relay as soon as a transaction that wrote to the outbox
-- commits (notifications are delivered at commit), instead of leaving rows
-- until its next poll. Polling stays as the fallback.

-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('altis_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- +goose Down
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
