-- Alert ingestion: integrations (webhook sources), which incident each alert
-- group feeds, what is known of each alert, and the delivery log.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE integrations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    config          TEXT    NOT NULL DEFAULT '{}',
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash      TEXT    NOT NULL DEFAULT '',
    -- HMAC signing secrets must be kept as given to recompute signatures.
    signing_secrets TEXT    NOT NULL DEFAULT '[]',
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL
);

-- integration_groups links an alert group to the incident it currently
-- feeds. Deleting the incident drops the link, so the group opens a new one.
CREATE TABLE integration_groups (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    group_key      TEXT    NOT NULL,
    incident_id    INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    PRIMARY KEY (integration_id, group_key)
) WITHOUT ROWID;
CREATE INDEX integration_groups_incident ON integration_groups (incident_id);

-- alert_states keeps the newest known state of each alert, so a delivery
-- that arrives late (a fire after its resolve) cannot move it backwards.
CREATE TABLE alert_states (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    group_key      TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER,
    incident_id    INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
    PRIMARY KEY (integration_id, group_key, fingerprint)
) WITHOUT ROWID;
-- Counting an incident's firing alerts (has the last one resolved?) reads
-- only this index.
CREATE INDEX alert_states_incident ON alert_states (incident_id, status) WHERE incident_id IS NOT NULL;

CREATE TABLE deliveries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    received_at    INTEGER NOT NULL,
    source         TEXT    NOT NULL DEFAULT '',
    status         INTEGER NOT NULL,
    error          TEXT    NOT NULL DEFAULT '',
    alerts         INTEGER NOT NULL DEFAULT 0,
    events_added   INTEGER NOT NULL DEFAULT 0,
    incidents      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX deliveries_integration ON deliveries (integration_id, id);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE alert_states;
DROP TABLE integration_groups;
DROP TABLE integrations;
