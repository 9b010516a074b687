-- Review meetings: one per postmortem, with its participants (and what
-- each marked) as JSON read whole with the row, and each participant's
-- personal link. Only the SHA-256 of a link's token is kept.

-- +goose Up
CREATE TABLE reviews (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    postmortem_id  BIGINT      NOT NULL UNIQUE REFERENCES postmortems (id) ON DELETE CASCADE,
    owner          TEXT        NOT NULL,
    title          TEXT        NOT NULL,
    zone           TEXT        NOT NULL,
    window_start   TEXT        NOT NULL,
    window_end     TEXT        NOT NULL,
    length_minutes INTEGER     NOT NULL,
    participants   JSONB       NOT NULL DEFAULT '[]',
    -- The questionnaires; private ones are filtered by the Service.
    answers        JSONB       NOT NULL DEFAULT '[]',
    chosen_start   TIMESTAMPTZ,
    chosen_end     TIMESTAMPTZ,
    sequence       INTEGER     NOT NULL DEFAULT 0,
    status         TEXT        NOT NULL CHECK (status IN ('open', 'scheduled', 'cancelled')),
    created_by     TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    version        INTEGER     NOT NULL
);

CREATE TABLE review_links (
    review_id  BIGINT      NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    email      TEXT        NOT NULL,
    token_hash TEXT        NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (review_id, email)
);

-- +goose Down
DROP TABLE review_links;
DROP TABLE reviews;
