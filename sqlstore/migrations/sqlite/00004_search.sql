-- Search: one document per incident (its postmortem, timeline and action
-- items included) and one per project postmortem.
--
-- search_docs holds what results, filters, facets, similar incidents and
-- digests need without touching the records; search_fts is the FTS5 index
-- of the text.
--
-- Keeping the index in step: triggers on the core tables note which
-- documents a write touched in search_dirty, and the store rebuilds those
-- documents in Go just before the write's transaction commits (see
-- sqlstore/search_index.go). Triggers alone cannot miss a write path,
-- whoever adds one; the rebuild in Go splits words once, the same way for
-- both engines, and runs once per transaction, so a 5,000-event timeline
-- import rebuilds its document once instead of 5,000 times.
--
-- A document's id is derived from what it describes (2 × incident id, or
-- 2 × postmortem id + 1 for a project postmortem), so the index row of a
-- record that was just deleted can still be found and removed.
-- Times are unix microseconds, as in the core tables.

-- +goose Up
CREATE TABLE search_docs (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    -- project_id is set for project postmortems only; postmortem_id names
    -- the postmortem either way. An incident's document outlives its
    -- postmortem (it is rebuilt without it), so only project_id cascades.
    project_id    INTEGER UNIQUE REFERENCES postmortems (id) ON DELETE CASCADE,
    postmortem_id INTEGER,
    kind          TEXT    NOT NULL,  -- incident | project
    key           TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    severity      TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    services      TEXT    NOT NULL DEFAULT '',   -- newline-separated, as written
    date          INTEGER NOT NULL,  -- incident start, or project start
    year          INTEGER NOT NULL,
    month_day     INTEGER NOT NULL,  -- 100 × month + day, for "on this day"
    published_at  INTEGER,
    owner         TEXT    NOT NULL DEFAULT '',
    private       INTEGER NOT NULL DEFAULT 0,
    open_actions  INTEGER NOT NULL DEFAULT 0,
    repeat_of     INTEGER,
    factors       TEXT    NOT NULL DEFAULT '[]',
    alerts        TEXT    NOT NULL DEFAULT '[]',
    -- gen is the index generation that wrote the row (see search_meta).
    gen           INTEGER  NOT NULL DEFAULT 0
);
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
    generation INTEGER NOT NULL
);
INSERT INTO search_meta (id, generation) VALUES (1, 0);

-- search_text holds each document's text by field (JSON), for snippets and
-- for naming the field that matched, and the names of attached files
-- (searchable once attachments exist). It is apart from search_docs so
-- that the rows every search reads stay small and many fit in a page.
CREATE TABLE search_text (
    doc_id      INTEGER PRIMARY KEY REFERENCES search_docs (id) ON DELETE CASCADE,
    fields      TEXT    NOT NULL DEFAULT '[]',
    attachments TEXT    NOT NULL DEFAULT '[]'
);

-- search_tags holds one row per filterable value (service, label, status,
-- owner, member, factor, alert), lowercased, so filters are index lookups.
CREATE TABLE search_tags (
    doc_id INTEGER NOT NULL REFERENCES search_docs (id) ON DELETE CASCADE,
    name   TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (doc_id, name, value)
) WITHOUT ROWID;
CREATE INDEX search_tags_value ON search_tags (name, value, doc_id);

-- Contentless: the text lives in search_text.fields, so it is not stored
-- twice. Columns are weighted title > summary > body > extra (timeline,
-- action items, attachment names). The store feeds it text already split
-- by debrief.SearchTokens (runs of letters, numbers and marks, lowercased)
-- and joined with spaces, and quotes query tokens split the same way, so
-- the plain ascii tokenizer (which splits at ASCII spaces and punctuation
-- and keeps every non-ASCII byte) reads exactly those tokens, faster than
-- unicode61 would classify each character again.
-- prefix='2 3' keeps "de*"-style prefix searches fast.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, summary, body, extra,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    prefix = '2 3'
);

-- The rank column orders by bm25 with the same column weights as the
-- store's queries, so FTS5 can rank without reading search_docs.
INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.5)');

-- Deleting a document (also by cascade from its incident or postmortem)
-- removes its index row.
-- +goose StatementBegin
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- No key: a note may appear twice (the store dedupes), because a
-- uniqueness conflict inside a trigger would take the conflict policy of
-- the statement that fired it, which for foreign key actions is ABORT.
CREATE TABLE search_dirty (
    kind TEXT    NOT NULL, -- i: incident id, p: postmortem id
    id   INTEGER NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER search_dirty_incident_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_incident_update AFTER UPDATE ON incidents BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_incident_delete AFTER DELETE ON incidents BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', old.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_timeline_insert AFTER INSERT ON timeline_events BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', new.incident_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_timeline_update AFTER UPDATE ON timeline_events BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', old.incident_id), ('i', new.incident_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_timeline_delete AFTER DELETE ON timeline_events BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('i', old.incident_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_postmortem_insert AFTER INSERT ON postmortems BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('p', new.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_postmortem_update AFTER UPDATE ON postmortems BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('p', new.id);
    INSERT INTO search_dirty (kind, id) SELECT 'i', old.incident_id WHERE old.incident_id IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_postmortem_delete AFTER DELETE ON postmortems BEGIN
    INSERT INTO search_dirty (kind, id) VALUES ('p', old.id);
    INSERT INTO search_dirty (kind, id) SELECT 'i', old.incident_id WHERE old.incident_id IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_action_insert AFTER INSERT ON action_items BEGIN
    INSERT INTO search_dirty (kind, id) SELECT 'i', new.incident_id WHERE new.incident_id IS NOT NULL;
    INSERT INTO search_dirty (kind, id) SELECT 'p', new.postmortem_id WHERE new.postmortem_id IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_action_update AFTER UPDATE ON action_items BEGIN
    INSERT INTO search_dirty (kind, id) SELECT 'i', new.incident_id WHERE new.incident_id IS NOT NULL;
    INSERT INTO search_dirty (kind, id) SELECT 'p', new.postmortem_id WHERE new.postmortem_id IS NOT NULL;
    INSERT INTO search_dirty (kind, id) SELECT 'i', old.incident_id WHERE old.incident_id IS NOT NULL;
    INSERT INTO search_dirty (kind, id) SELECT 'p', old.postmortem_id WHERE old.postmortem_id IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_dirty_action_delete AFTER DELETE ON action_items BEGIN
    INSERT INTO search_dirty (kind, id) SELECT 'i', old.incident_id WHERE old.incident_id IS NOT NULL;
    INSERT INTO search_dirty (kind, id) SELECT 'p', old.postmortem_id WHERE old.postmortem_id IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE search_dirty;
DROP TRIGGER search_docs_delete;
DROP TABLE search_fts;
DROP TABLE search_meta;
DROP TABLE search_text;
DROP TABLE search_tags;
DROP TABLE search_docs;
