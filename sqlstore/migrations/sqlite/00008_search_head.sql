-- search_head indexes the title and summary columns of search_fts again, on
-- their own. A search matching a large part of the corpus ranks first the
-- documents that match in the title or summary (sqlstore/search.go). On
-- search_fts, bm25() read every match's column sizes and walked every
-- document's entry for a common word, most of such a search (24 of 44 ms
-- for a word in 84,000 of 100,000 documents); the store now reads from
-- search_head, per word and field, which documents have it (short entries,
-- no column sizes) and scores bm25 in Go with the lengths in head_len. The
-- price is indexing those two short columns twice, without prefix indexes
-- (a prefix query on search_head merges the matching words' entries, few
-- at this length). PostgreSQL ranks in SQL and needs neither.

-- +goose Up
CREATE VIRTUAL TABLE search_head USING fts5 (
    title, summary,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);

-- FTS5 gathers a transaction's new index entries in memory and writes them
-- out as a segment whenever they pass hashsize (1 MB by default), and
-- merges segments as they pile up. A bulk import of 1,000 postmortems
-- passed 1 MB several times; with 16 MB it writes one segment, and the
-- import ran 6 % faster (BenchmarkSearchImport). Small writes are
-- unaffected: the memory is only used by what a transaction writes.
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO search_head (search_head, rank) VALUES ('hashsize', 16777216);

DROP TRIGGER search_docs_delete;
-- +goose StatementBegin
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
    DELETE FROM search_head WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- head_len is the number of words in the document's title and summary, for
-- ranking by bm25 over those fields in Go (sqlstore/search.go).
ALTER TABLE search_docs ADD COLUMN head_len INTEGER NOT NULL DEFAULT 0;

-- Documents indexed before this migration are not in search_head yet: the
-- store rebuilds the index once when it opens the database (Open), in Go,
-- where the words are split.
CREATE TABLE search_rebuild (
    reason TEXT PRIMARY KEY
);
INSERT INTO search_rebuild (reason) SELECT '00008 search_head' WHERE EXISTS (SELECT 1 FROM search_docs);

-- +goose Down
DELETE FROM search_fts_config WHERE k = 'hashsize';
DROP TABLE search_rebuild;
ALTER TABLE search_docs DROP COLUMN head_len;
-- FTS5 gathers a transaction's new index entries in memory and writes them
-- out as a segment whenever they pass hashsize (1 MB by default), and
-- merges segments as they pile up. A bulk import of 1,000 postmortems
-- passed 1 MB several times; with 16 MB it writes one segment, and the
-- import ran 6 % faster (BenchmarkSearchImport). Small writes are
-- unaffected: the memory is only used by what a transaction writes.
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO search_head (search_head, rank) VALUES ('hashsize', 16777216);

DROP TRIGGER search_docs_delete;
-- +goose StatementBegin
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd
DROP TABLE search_head;
