-- Core record: incidents, their tags, timelines, postmortems, action items
-- and revisions.
--
-- Times are timestamptz (microsecond precision, UTC on the way out). JSONB
-- columns hold the lists and nested values that are always read whole with
-- their row, so one primary-key lookup returns a complete record.
--
-- IDs are identity columns, which never hand out an ID twice, so a key like
-- INC-42 is never reused after a delete.

-- +goose Up
CREATE TABLE incidents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title           TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    services        JSONB   NOT NULL DEFAULT '[]',
    customers       JSONB   NOT NULL DEFAULT '[]',
    impact          TEXT    NOT NULL DEFAULT '',
    labels          JSONB   NOT NULL DEFAULT '[]',
    commander       TEXT    NOT NULL DEFAULT '',
    scribe          TEXT    NOT NULL DEFAULT '',
    communications  TEXT    NOT NULL DEFAULT '',
    started_at      TIMESTAMPTZ NOT NULL,
    detected_at     TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    mitigated_at    TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    private         BOOLEAN NOT NULL DEFAULT FALSE,
    members         JSONB   NOT NULL DEFAULT '[]',
    repeat_of       BIGINT REFERENCES incidents (id) ON DELETE SET NULL,
    created_by      TEXT    NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         INTEGER NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_severity ON incidents (severity, id);
CREATE INDEX incidents_started_at ON incidents (started_at);
CREATE INDEX incidents_commander ON incidents (commander, id);
CREATE INDEX incidents_created_by ON incidents (created_by, id);
CREATE INDEX incidents_repeat_of ON incidents (repeat_of) WHERE repeat_of IS NOT NULL;

-- incident_tags mirrors incidents.services and incidents.labels, one row per
-- value, so "every incident that touched checkout" is an index lookup
-- instead of a scan over JSON. Kept in step in the same transaction.
CREATE TABLE incident_tags (
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL, -- service | label
    value       TEXT    NOT NULL,
    PRIMARY KEY (incident_id, kind, value)
);
CREATE INDEX incident_tags_value ON incident_tags (kind, value, incident_id);

CREATE TABLE timeline_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    zone        TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    actor       TEXT    NOT NULL DEFAULT '',
    external_id TEXT    NOT NULL DEFAULT '',
    starred     BOOLEAN NOT NULL DEFAULT FALSE,
    lifecycle   TEXT    NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX timeline_events_incident ON timeline_events (incident_id, at, id);
-- Redelivered webhooks and re-run imports carry the same external id: the
-- index makes the second insert a no-op (INSERT ... ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX timeline_events_external ON timeline_events (incident_id, source, external_id)
    WHERE external_id <> '';

CREATE TABLE postmortems (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Deleting an incident deletes its postmortem: a postmortem of an
    -- incident that no longer exists would describe nothing.
    incident_id          BIGINT REFERENCES incidents (id) ON DELETE CASCADE,
    kind                 TEXT    NOT NULL,
    title                TEXT    NOT NULL,
    owner                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL,
    template             TEXT    NOT NULL DEFAULT '',
    template_version     INTEGER NOT NULL DEFAULT 0,
    sections             JSONB   NOT NULL DEFAULT '[]',
    root_cause           TEXT    NOT NULL DEFAULT '',
    contributing_factors JSONB   NOT NULL DEFAULT '[]',
    lessons              JSONB   NOT NULL DEFAULT '{}',
    project              JSONB,
    published_at         TIMESTAMPTZ,
    created_by           TEXT    NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    version              INTEGER NOT NULL
);
-- At most one postmortem per incident, so everyone edits the same document.
CREATE UNIQUE INDEX postmortems_incident ON postmortems (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX postmortems_status ON postmortems (status, id);
CREATE INDEX postmortems_owner ON postmortems (owner, id);
CREATE INDEX postmortems_created_at ON postmortems (created_at);

CREATE TABLE action_items (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   BIGINT REFERENCES incidents (id) ON DELETE CASCADE,
    -- Deleting a postmortem keeps the incident's action items (they still
    -- belong to the incident); items of a project postmortem are deleted by
    -- the store in the same transaction.
    postmortem_id BIGINT REFERENCES postmortems (id) ON DELETE SET NULL,
    title         TEXT    NOT NULL,
    owner         TEXT    NOT NULL DEFAULT '',
    due_date      TIMESTAMPTZ,
    priority      TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    tracker_url   TEXT    NOT NULL DEFAULT '',
    completed_at  TIMESTAMPTZ,
    created_by    TEXT    NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX action_items_incident ON action_items (incident_id, id);
CREATE INDEX action_items_postmortem ON action_items (postmortem_id, id);
CREATE INDEX action_items_status ON action_items (status, id);
CREATE INDEX action_items_owner ON action_items (owner, id);
CREATE INDEX action_items_due ON action_items (due_date) WHERE due_date IS NOT NULL;

-- Revisions are append-only and outlive the records they describe, so they
-- have no foreign keys: the history of a deleted incident stays readable.
CREATE TABLE revisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_type TEXT    NOT NULL,
    entity_id   BIGINT NOT NULL,
    version     INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    changes     JSONB   NOT NULL DEFAULT '[]'
);
CREATE INDEX revisions_entity ON revisions (entity_type, entity_id, id);

-- +goose Down
DROP TABLE revisions;
DROP TABLE action_items;
DROP TABLE postmortems;
DROP TABLE timeline_events;
DROP TABLE incident_tags;
DROP TABLE incidents;
