-- Custom postmortem templates. Every version of a template is kept, so a
-- postmortem made from an older version can still show it; deleting a
-- template only marks it deleted.

-- +goose Up
CREATE TABLE templates (
    key            TEXT    PRIMARY KEY,
    latest_version INTEGER NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);

-- definition is the template as JSON (sections, policy), read whole.
CREATE TABLE template_versions (
    key        TEXT    NOT NULL REFERENCES templates (key) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition JSONB   NOT NULL,
    created_by TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (key, version)
);

-- +goose Down
DROP TABLE template_versions;
DROP TABLE templates;
