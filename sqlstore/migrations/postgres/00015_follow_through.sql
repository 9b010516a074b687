-- Follow-through: verifying that an action item's fix shipped, improvement
-- ideas raised in postmortems, and action items exported to issue trackers.
--
-- Times are TIMESTAMPTZ, as in 00001.

-- +goose Up
-- verify_required makes marking the item done need a verification (a note
-- or link showing the fix shipped), whatever the template's policy says.
ALTER TABLE action_items ADD COLUMN verify_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE action_items ADD COLUMN verification TEXT NOT NULL DEFAULT '';

-- An idea is raised in one postmortem and may be raised again in others
-- (idea_mentions); its weight is the number of postmortems that raised it.
-- A merged idea keeps its row, pointing at the idea it was merged into, so
-- links to it still lead somewhere.
CREATE TABLE ideas (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          TEXT    NOT NULL,
    detail         TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL CHECK (status IN ('open', 'promoted', 'merged', 'dropped')),
    merged_into    BIGINT REFERENCES ideas (id) ON DELETE SET NULL,
    action_item_id BIGINT REFERENCES action_items (id) ON DELETE SET NULL,
    created_by     TEXT    NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX ideas_status ON ideas (status, id);

CREATE TABLE idea_mentions (
    idea_id       BIGINT NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    postmortem_id BIGINT NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    note          TEXT    NOT NULL DEFAULT '',
    raised_by     TEXT    NOT NULL,
    raised_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id, postmortem_id)
);
CREATE INDEX idea_mentions_postmortem ON idea_mentions (postmortem_id, idea_id);

-- trackers are outbound integrations: where action items are exported as
-- issues. The token is kept as given, like a webhook's signing secret,
-- because it must be sent; it never leaves the server.
CREATE TABLE trackers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL CHECK (kind IN ('github', 'jira')),
    base_url   TEXT    NOT NULL,
    project    TEXT    NOT NULL, -- owner/repo on GitHub, the project key on Jira
    issue_type TEXT    NOT NULL DEFAULT '',
    email      TEXT    NOT NULL DEFAULT '', -- Jira basic auth; empty means a bearer token
    token      TEXT    NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    INTEGER NOT NULL
);

-- One link per action item and tracker: the row is claimed (state
-- 'pending', claimed_until) before the tracker is asked to create the issue,
-- so exporting twice, or from two instances at once, creates one issue.
CREATE TABLE tracker_links (
    action_item_id BIGINT NOT NULL REFERENCES action_items (id) ON DELETE CASCADE,
    tracker_id     BIGINT NOT NULL REFERENCES trackers (id) ON DELETE CASCADE,
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'open', 'closed')),
    external_key   TEXT    NOT NULL DEFAULT '',
    url            TEXT    NOT NULL DEFAULT '',
    claimed_until  TIMESTAMPTZ,
    last_error     TEXT    NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    synced_at      TIMESTAMPTZ,
    PRIMARY KEY (action_item_id, tracker_id)
);
CREATE INDEX tracker_links_state ON tracker_links (state, tracker_id);

-- +goose Down
DROP TABLE tracker_links;
DROP TABLE trackers;
DROP TABLE idea_mentions;
DROP TABLE ideas;
ALTER TABLE action_items DROP COLUMN verification;
ALTER TABLE action_items DROP COLUMN verify_required;
