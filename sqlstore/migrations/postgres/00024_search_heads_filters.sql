-- search_heads (00019) also carries the columns of search_docs that a
-- search's filters and visibility read (kind, severity, date, private,
-- open_actions), copied from the document whenever it is written. The
-- first tier of a search is then found, filtered and ranked in
-- search_heads alone: joining search_docs for them read, for a common
-- word at 100,000 documents, every row of search_docs (a hash join) or
-- one index probe per match. The table is rebuilt rather than altered so
-- its rows stay in id order, without the dead copies an UPDATE of every
-- row would leave behind.

-- +goose Up
CREATE TABLE search_heads_new (
    id           BIGINT   PRIMARY KEY REFERENCES search_docs (id) ON DELETE CASCADE,
    kind         TEXT     NOT NULL,
    severity     TEXT     NOT NULL DEFAULT '',
    date         BIGINT   NOT NULL,
    private      INTEGER  NOT NULL DEFAULT 0,
    open_actions INTEGER  NOT NULL DEFAULT 0,
    tsv          TSVECTOR NOT NULL
);
INSERT INTO search_heads_new (id, kind, severity, date, private, open_actions, tsv)
SELECT h.id, d.kind, d.severity, d.date, d.private, d.open_actions, h.tsv
FROM search_heads h JOIN search_docs d ON d.id = h.id ORDER BY h.id;
DROP TABLE search_heads;
ALTER TABLE search_heads_new RENAME TO search_heads;
ALTER TABLE search_heads RENAME CONSTRAINT search_heads_new_pkey TO search_heads_pkey;
ALTER TABLE search_heads RENAME CONSTRAINT search_heads_new_id_fkey TO search_heads_id_fkey;
CREATE INDEX search_heads_tsv ON search_heads USING GIN (tsv);
-- Statistics now: countHead reads the words' frequencies (pg_stats).
ANALYZE search_heads;

-- +goose Down
ALTER TABLE search_heads DROP COLUMN kind, DROP COLUMN severity, DROP COLUMN date, DROP COLUMN private, DROP COLUMN open_actions;
