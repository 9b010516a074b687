-- Each word of each document's title and summary (the lexemes of
-- search_heads.tsv), with the document's first-tier score for a search of
-- that word alone (ts_rank_cd with the weights the search uses,
-- tsRankWeight) and the document's date, under a btree in ranking order.
-- A search for a word, or for words joined by OR, reads the best rows of
-- its first tier in that order and stops once it has a page, instead of
-- computing ts_rank_cd for every title-and-summary match: 13,821 rows for
-- "rollback" at 100,000 documents. The scores are PostgreSQL's own
-- ts_rank_cd, computed here and by writeText (search_postgres.go) with the
-- same expression, so the order is the one ranking every match gives.
-- About 49 rows a document. The rows go with their search_heads row
-- (ON DELETE CASCADE), which goes with the document.

-- +goose Up
CREATE TABLE search_head_words (
    id    BIGINT NOT NULL REFERENCES search_heads (id) ON DELETE CASCADE,
    word  TEXT   NOT NULL,
    score REAL   NOT NULL,
    date  BIGINT NOT NULL,
    PRIMARY KEY (id, word)
);
INSERT INTO search_head_words (id, word, score, date)
SELECT h.id, u.lexeme, ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', h.tsv, ('''' || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || '''')::tsquery), h.date
FROM search_heads h, unnest(h.tsv) AS u ORDER BY h.id, u.lexeme;
CREATE INDEX search_head_words_rank ON search_head_words (word, score, date, id);
-- The planner must know how many rows a word has to read a common one in
-- ranking order (an ordered LIMIT) and a rare one all at once: keep the
-- frequencies of the 1,000 commonest words, not 100.
ALTER TABLE search_head_words ALTER COLUMN word SET STATISTICS 1000;
ANALYZE search_head_words;

-- The planner counted a tag's documents as if name and value were
-- independent: service:search at 100,000 documents, 4,409 documents,
-- estimated 678, so the count of "HighLatencyP99 service:search" started
-- from the tag and read the whole tsvector of each of its documents (32,000
-- pages) instead of intersecting it with the word's 7,183 GIN entries
-- (3,600 pages). Statistics of the pairs fix the estimate.
CREATE STATISTICS search_tags_name_value (mcv) ON name, value FROM search_tags;
ANALYZE search_tags;

-- +goose Down
DROP STATISTICS search_tags_name_value;
DROP TABLE search_head_words;
