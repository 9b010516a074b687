-- Review meetings being held (facilitation mode): one per postmortem, the
-- whole state (stage, speakers and their points, goals, notes) as JSON read
-- and written whole with the row, versioned so a second facilitator device
-- never overwrites the first. Only the SHA-256 of the read-only room
-- link's token is kept.

-- +goose Up
CREATE TABLE review_meetings (
    postmortem_id   BIGINT      PRIMARY KEY REFERENCES postmortems (id) ON DELETE CASCADE,
    review_id       BIGINT      NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    state           JSONB       NOT NULL,
    room_token_hash TEXT        NOT NULL UNIQUE,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         INTEGER     NOT NULL
);

-- +goose Down
DROP TABLE review_meetings;
