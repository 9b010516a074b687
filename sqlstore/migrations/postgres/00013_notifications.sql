-- Notifications: the channels they go to, and an outbox of deliveries.
--
-- Each row of notifications is one message to one target. (event_key,
-- channel, target) is unique, so an event enqueued twice (a scan repeated,
-- two instances producing at once) is delivered once. Workers claim rows by
-- taking a lease (status 'sending', lease_until); a worker that dies leaves
-- the lease to expire and the row is claimed again. Rows stay after
-- delivery: they are the delivery log.

-- +goose Up
CREATE TABLE notification_channels (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT    NOT NULL, -- slack | webhook | email
    name       TEXT    NOT NULL UNIQUE,
    target     TEXT    NOT NULL, -- URL, or an email address
    secret     TEXT    NOT NULL DEFAULT '',
    events     JSONB   NOT NULL DEFAULT '[]', -- JSON list; empty means every event
    created_by TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE notifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key       TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    channel         TEXT    NOT NULL, -- slack | webhook | email
    channel_id      BIGINT REFERENCES notification_channels (id) ON DELETE SET NULL,
    target          TEXT    NOT NULL,
    message         TEXT    NOT NULL, -- JSON: subject, text, html, link, data
    status          TEXT    NOT NULL, -- pending | sending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    worker          TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE UNIQUE INDEX notifications_once ON notifications (event_key, channel, target);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

-- notify_state holds the producers' cursors (how far the record was read).
CREATE TABLE notify_state (
    name  TEXT    PRIMARY KEY,
    value BIGINT  NOT NULL
);

-- notification_optouts holds what people turned off for themselves: an
-- event everywhere (incident_id 0), or every event of one incident (event
-- '*', muting it). Only messages to people by email consult it; channels
-- are configured by admins.
CREATE TABLE notification_optouts (
    user_email  TEXT    NOT NULL, -- lower case
    event       TEXT    NOT NULL,
    incident_id BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (user_email, event, incident_id)
);

-- +goose Down
DROP TABLE notification_optouts;
DROP TABLE notify_state;
DROP TABLE notifications;
DROP TABLE notification_channels;
