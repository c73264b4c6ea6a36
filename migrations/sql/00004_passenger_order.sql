-- +goose Up
-- A booking lists its passengers in the order the trip named them.
ALTER TABLE passengers ADD COLUMN position int NOT NULL DEFAULT 0 CHECK (position >= 0);

-- +goose Down
ALTER TABLE passengers DROP COLUMN position;
