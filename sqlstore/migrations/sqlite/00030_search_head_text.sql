-- search_head_text keeps each document's title and summary words, as
-- search_head indexed them (words joined by single spaces), so that the
-- fact cache can hold the first tier's words in memory: which documents
-- have each word in their title and in their summary, and each document's
-- words in order for phrases (sqlstore/search_sqlite_head.go). Reading
-- them from search_head's doclists cost about 150 ns an entry, and a
-- common word has hundreds of thousands of entries at 1,000,000
-- documents. search_head is contentless, so the words cannot be read
-- back from it.

-- +goose Up
CREATE TABLE search_head_text (
    doc_id  INTEGER PRIMARY KEY REFERENCES search_docs (id) ON DELETE CASCADE,
    title   TEXT NOT NULL,
    summary TEXT NOT NULL
);

-- The words are split in Go: the store rebuilds the index once when it
-- opens a database that has documents (Open).
INSERT INTO search_rebuild (reason) SELECT '00030 search_head_text' WHERE EXISTS (SELECT 1 FROM search_docs)
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE search_head_text;
