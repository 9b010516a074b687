-- The title and summary of each search document (the A and B lexemes of
-- tsv) as a column of their own, under a GIN index of their own. The first
-- tier of a search and similar incidents look words up in the title and
-- summary only; asked of tsv ('word':AB), GIN finds every document with the
-- word anywhere and PostgreSQL then reads each one's whole tsvector to check
-- the weight, which for a common word in 100,000 documents is most of a
-- search's time. SQLite keeps the same words in its search_head table
-- (00008). The column is computed by PostgreSQL from tsv, so no write path
-- has to fill it and existing documents need no rebuild.

-- +goose Up
ALTER TABLE search_docs ADD COLUMN head_tsv TSVECTOR GENERATED ALWAYS AS (ts_filter(tsv, '{a,b}')) STORED;
CREATE INDEX search_docs_head_tsv ON search_docs USING GIN (head_tsv);

-- +goose Down
DROP INDEX search_docs_head_tsv;
ALTER TABLE search_docs DROP COLUMN head_tsv;
