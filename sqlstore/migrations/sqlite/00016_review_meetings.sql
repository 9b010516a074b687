-- Review meetings being held (facilitation mode): one per postmortem, the
-- whole state (stage, speakers and their points, goals, notes) as JSON read
-- and written whole with the row, versioned so a second facilitator device
-- never overwrites the first. Only the SHA-256 of the read-only room
-- link's token is kept.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE review_meetings (
    postmortem_id   INTEGER PRIMARY KEY REFERENCES postmortems (id) ON DELETE CASCADE,
    review_id       INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    state           TEXT    NOT NULL,
    room_token_hash TEXT    NOT NULL UNIQUE,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL
);

-- +goose Down
DROP TABLE review_meetings;
