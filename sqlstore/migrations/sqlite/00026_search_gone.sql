-- search_gone names the documents deleted from the index (and not written
-- again), with the generation that deleted them, so that SQLite's fact
-- cache (search_sqlite_cache.go), which refreshes from the rows whose
-- generation is newer than its own, also learns which documents are gone
-- and can answer searches by filters alone without a row per document.
-- Id 0, never a document's, marks a whole rebuild (Reindex): a cache older
-- than that generation loads again from nothing, and the rebuild empties
-- the table first.

-- +goose Up
CREATE TABLE search_gone (
    id  INTEGER PRIMARY KEY,
    gen INTEGER NOT NULL
);
CREATE INDEX search_gone_gen ON search_gone (gen);

-- +goose Down
DROP TABLE search_gone;
