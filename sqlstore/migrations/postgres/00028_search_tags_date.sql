-- Similar incidents asks, for each service, factor and alert name of an
-- incident, for the newest incidents that carry it and started before it.
-- With the kind and date only in search_docs, that walked the tag's
-- documents newest first and read each one's row until enough were
-- older: for an old incident of a busy service, thousands of rows (about
-- 20 ms a tag at 100,000 documents). Each tag row now carries its
-- document's kind and date, written with it (a document and its tags are
-- always written together), and the tag index includes them, so the walk
-- reads the index alone.

-- +goose Up
ALTER TABLE search_tags ADD COLUMN kind text NOT NULL DEFAULT '', ADD COLUMN date bigint NOT NULL DEFAULT 0;
UPDATE search_tags t SET kind = d.kind, date = d.date FROM search_docs d WHERE d.id = t.doc_id;
DROP INDEX search_tags_value;
CREATE INDEX search_tags_value ON search_tags (name, value, doc_id) INCLUDE (kind, date);

-- +goose Down
DROP INDEX search_tags_value;
CREATE INDEX search_tags_value ON search_tags (name, value, doc_id);
ALTER TABLE search_tags DROP COLUMN kind, DROP COLUMN date;
