-- Search: one document per incident (its postmortem, timeline and action
-- items included) and one per project postmortem.
--
-- search_docs holds what results, filters, facets, similar incidents and
-- digests need without touching the records, and tsv, the weighted
-- tsvector of the text (A title, B summary, C body, D timeline, action
-- items and attachment names) under a GIN index. The store builds tsv in Go
-- from the text split by debrief.SearchTokens, so both engines index
-- exactly the same words.
--
-- Keeping the index in step: triggers on the core tables note which
-- documents a write touched in search_dirty (keyed by transaction, so
-- concurrent writers never wait on each other's notes), and the store
-- rebuilds those documents just before the write's transaction commits
-- (see sqlstore/search_index.go). Triggers cannot miss a write path; the
-- rebuild runs once per transaction, not once per row.
--
-- A document's id is derived from what it describes (2 × incident id, or
-- 2 × postmortem id + 1 for a project postmortem). Times are unix
-- microseconds here (unlike the core tables) so the search SQL is the same
-- text on both engines.

-- +goose Up
CREATE TABLE search_docs (
    id            BIGINT  PRIMARY KEY,
    incident_id   BIGINT  UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    -- project_id is set for project postmortems only; postmortem_id names
    -- the postmortem either way. An incident's document outlives its
    -- postmortem (it is rebuilt without it), so only project_id cascades.
    project_id    BIGINT  UNIQUE REFERENCES postmortems (id) ON DELETE CASCADE,
    postmortem_id BIGINT,
    kind          TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    severity      TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    services      TEXT    NOT NULL DEFAULT '',   -- newline-separated, as written
    date          BIGINT  NOT NULL,
    year          INTEGER NOT NULL,
    month_day     INTEGER NOT NULL,
    published_at  BIGINT,
    owner         TEXT    NOT NULL DEFAULT '',
    private       INTEGER NOT NULL DEFAULT 0,
    open_actions  INTEGER NOT NULL DEFAULT 0,
    repeat_of     BIGINT,
    factors       TEXT    NOT NULL DEFAULT '[]',
    alerts        TEXT    NOT NULL DEFAULT '[]',
    -- gen is the index generation that wrote the row (see search_meta).
    gen           BIGINT  NOT NULL DEFAULT 0,
    tsv           TSVECTOR NOT NULL
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
CREATE INDEX search_docs_date ON search_docs (date);
CREATE INDEX search_docs_gen ON search_docs (gen);
CREATE INDEX search_docs_postmortem ON search_docs (postmortem_id) WHERE postmortem_id IS NOT NULL;
CREATE INDEX search_docs_month_day ON search_docs (month_day, year);
CREATE INDEX search_docs_published ON search_docs (published_at) WHERE published_at IS NOT NULL;

-- search_meta.generation counts the transactions that changed the index,
-- so a process that caches what it read from search_docs can tell whether
-- (and, through search_docs.gen, which rows) changed since.
CREATE TABLE search_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO search_meta (id, generation) VALUES (1, 0);

-- search_text holds each document's text by field (JSON), for snippets and
-- for naming the field that matched, and the names of attached files
-- (searchable once attachments exist). It is apart from search_docs so
-- that the rows every search reads stay small and many fit in a page.
CREATE TABLE search_text (
    doc_id      BIGINT PRIMARY KEY REFERENCES search_docs (id) ON DELETE CASCADE,
    fields      TEXT    NOT NULL DEFAULT '[]',
    attachments TEXT    NOT NULL DEFAULT '[]'
);

CREATE TABLE search_tags (
    doc_id BIGINT NOT NULL REFERENCES search_docs (id) ON DELETE CASCADE,
    name   TEXT   NOT NULL,
    value  TEXT   NOT NULL,
    PRIMARY KEY (doc_id, name, value)
);
CREATE INDEX search_tags_value ON search_tags (name, value, doc_id);

CREATE TABLE search_dirty (
    tx   BIGINT NOT NULL DEFAULT txid_current(),
    kind TEXT   NOT NULL, -- i: incident id, p: postmortem id
    id   BIGINT NOT NULL,
    PRIMARY KEY (tx, kind, id)
);

-- +goose StatementBegin
CREATE FUNCTION search_dirty_incident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_dirty (kind, id) VALUES ('i', OLD.id) ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO search_dirty (kind, id) VALUES ('i', NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION search_dirty_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO search_dirty (kind, id) VALUES ('i', OLD.incident_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO search_dirty (kind, id) VALUES ('i', NEW.incident_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION search_dirty_postmortem() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO search_dirty (kind, id) VALUES ('p', OLD.id) ON CONFLICT DO NOTHING;
        IF OLD.incident_id IS NOT NULL THEN
            INSERT INTO search_dirty (kind, id) VALUES ('i', OLD.incident_id) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO search_dirty (kind, id) VALUES ('p', NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION search_dirty_action() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.incident_id IS NOT NULL THEN
            INSERT INTO search_dirty (kind, id) VALUES ('i', OLD.incident_id) ON CONFLICT DO NOTHING;
        END IF;
        IF OLD.postmortem_id IS NOT NULL THEN
            INSERT INTO search_dirty (kind, id) VALUES ('p', OLD.postmortem_id) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.incident_id IS NOT NULL THEN
            INSERT INTO search_dirty (kind, id) VALUES ('i', NEW.incident_id) ON CONFLICT DO NOTHING;
        END IF;
        IF NEW.postmortem_id IS NOT NULL THEN
            INSERT INTO search_dirty (kind, id) VALUES ('p', NEW.postmortem_id) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER search_dirty AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION search_dirty_incident();
CREATE TRIGGER search_dirty AFTER INSERT OR UPDATE OR DELETE ON timeline_events
    FOR EACH ROW EXECUTE FUNCTION search_dirty_timeline();
CREATE TRIGGER search_dirty AFTER INSERT OR UPDATE OR DELETE ON postmortems
    FOR EACH ROW EXECUTE FUNCTION search_dirty_postmortem();
CREATE TRIGGER search_dirty AFTER INSERT OR UPDATE OR DELETE ON action_items
    FOR EACH ROW EXECUTE FUNCTION search_dirty_action();

-- +goose Down
DROP TRIGGER search_dirty ON action_items;
DROP TRIGGER search_dirty ON postmortems;
DROP TRIGGER search_dirty ON timeline_events;
DROP TRIGGER search_dirty ON incidents;
DROP FUNCTION search_dirty_action();
DROP FUNCTION search_dirty_postmortem();
DROP FUNCTION search_dirty_timeline();
DROP FUNCTION search_dirty_incident();
DROP TABLE search_dirty;
DROP TABLE search_meta;
DROP TABLE search_text;
DROP TABLE search_tags;
DROP TABLE search_docs;
