-- Public links: unguessable URLs that show the public version of one
-- postmortem without signing in. Only the SHA-256 of the token is kept, so
-- a copy of the database holds no working link.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE public_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    postmortem_id INTEGER NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX public_links_postmortem ON public_links (postmortem_id);

-- +goose Down
DROP TABLE public_links;
