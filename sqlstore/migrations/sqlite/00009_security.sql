-- Single sign-on identities bound to accounts by issuer and subject, an
-- admin's one-time permission to link an existing account to a new
-- identity, an index for "has this user signed in from this address", and
-- a count of webhook deliveries refused before authentication (kept on the
-- integration, not in the delivery log, so a flood cannot erase the log).
--
-- Accounts without a password could so far only sign in through single
-- sign-on, matched by e-mail: they keep that way in once (allow_sso_link = 1),
-- and their first sign-in after the upgrade binds the identity for good.

-- +goose Up
CREATE TABLE sso_identities (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issuer    TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    email     TEXT    NOT NULL DEFAULT '',
    linked_at INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

ALTER TABLE users ADD COLUMN allow_sso_link INTEGER NOT NULL DEFAULT 0;
UPDATE users SET allow_sso_link = 1 WHERE password_hash = '';

CREATE INDEX audit_log_login_ip ON audit_log (actor_id, ip) WHERE action = 'auth.login';

ALTER TABLE integrations ADD COLUMN refused_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN refused_last_at INTEGER;
ALTER TABLE integrations ADD COLUMN refused_last_from TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN refused_last_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE integrations DROP COLUMN refused_last_reason;
ALTER TABLE integrations DROP COLUMN refused_last_from;
ALTER TABLE integrations DROP COLUMN refused_last_at;
ALTER TABLE integrations DROP COLUMN refused_count;
DROP INDEX audit_log_login_ip;
ALTER TABLE users DROP COLUMN allow_sso_link;
DROP TABLE sso_identities;
