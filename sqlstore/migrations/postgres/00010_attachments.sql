-- Attachments: screenshots, graphs, logs and data files of an incident or a
-- postmortem, kept in the database with the record so one backup holds
-- them too. Exactly one owner is set; deleting it deletes its attachments.
-- The bytes are the last column (TOASTed out of line), so listing the other
-- columns does not read them.

-- +goose Up
CREATE TABLE attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   BIGINT      REFERENCES incidents (id) ON DELETE CASCADE,
    postmortem_id BIGINT      REFERENCES postmortems (id) ON DELETE CASCADE,
    filename      TEXT        NOT NULL,
    content_type  TEXT        NOT NULL,
    size          BIGINT      NOT NULL CHECK (size > 0),
    sha256        TEXT        NOT NULL,
    uploaded_by   TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    data          BYTEA       NOT NULL,
    CHECK ((incident_id IS NULL) <> (postmortem_id IS NULL))
);
CREATE INDEX attachments_incident ON attachments (incident_id, id) WHERE incident_id IS NOT NULL;
CREATE INDEX attachments_postmortem ON attachments (postmortem_id, id) WHERE postmortem_id IS NOT NULL;

-- +goose Down
DROP TABLE attachments;
