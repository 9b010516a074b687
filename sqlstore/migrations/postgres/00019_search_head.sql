-- The title and summary words of each search document (the A and B lexemes
-- of search_docs.tsv) in a narrow table of their own, under a GIN index of
-- their own. The first tier of a search and similar incidents look words
-- up in the title and summary only; asked of tsv ('word':AB), GIN finds
-- every document with the word anywhere and PostgreSQL then reads each
-- one's whole tsvector to check the weight, which for a common word in
-- 100,000 documents was most of a search's time. A table rather than a
-- column, so that search_docs' rows, which a many-hit search reads one by
-- one to count and facet, stay as narrow as they were. SQLite keeps the
-- same words in its search_head table (00008).

-- +goose Up
CREATE TABLE search_heads (
    id  BIGINT   PRIMARY KEY REFERENCES search_docs (id) ON DELETE CASCADE,
    tsv TSVECTOR NOT NULL
);
INSERT INTO search_heads (id, tsv) SELECT id, ts_filter(tsv, '{a,b}') FROM search_docs;
CREATE INDEX search_heads_tsv ON search_heads USING GIN (tsv);

-- +goose Down
DROP TABLE search_heads;
