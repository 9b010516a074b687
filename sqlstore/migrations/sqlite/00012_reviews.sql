-- Review meetings: one per postmortem, with its participants (and what
-- each marked) as JSON read whole with the row, and each participant's
-- personal link. Only the SHA-256 of a link's token is kept.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    postmortem_id  INTEGER NOT NULL UNIQUE REFERENCES postmortems (id) ON DELETE CASCADE,
    owner          TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    zone           TEXT    NOT NULL,
    window_start   TEXT    NOT NULL,
    window_end     TEXT    NOT NULL,
    length_minutes INTEGER NOT NULL,
    participants   TEXT    NOT NULL DEFAULT '[]',
    -- The questionnaires; private ones are filtered by the Service.
    answers        TEXT    NOT NULL DEFAULT '[]',
    chosen_start   INTEGER,
    chosen_end     INTEGER,
    sequence       INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL CHECK (status IN ('open', 'scheduled', 'cancelled')),
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL
);

CREATE TABLE review_links (
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (review_id, email)
);

-- +goose Down
DROP TABLE review_links;
DROP TABLE reviews;
