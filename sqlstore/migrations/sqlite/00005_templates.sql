-- Custom postmortem templates. Every version of a template is kept, so a
-- postmortem made from an older version can still show it; deleting a
-- template only marks it deleted.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE templates (
    key            TEXT    PRIMARY KEY,
    latest_version INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- definition is the template as JSON (sections, policy), read whole.
CREATE TABLE template_versions (
    key        TEXT    NOT NULL REFERENCES templates (key) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key, version)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE template_versions;
DROP TABLE templates;
