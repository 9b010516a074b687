-- Accounts, sessions, API tokens and the audit log.
--
-- Secrets (session cookies, API tokens) are stored only as SHA-256 hex;
-- passwords only as argon2id PHC strings.

-- +goose Up
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);

CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash         TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    ip           TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    scope        TEXT   NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    hash         TEXT   NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT   NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    action      TEXT   NOT NULL,
    target_type TEXT   NOT NULL DEFAULT '',
    target_id   TEXT   NOT NULL DEFAULT '',
    changes     JSONB  NOT NULL DEFAULT '[]',
    ip          TEXT   NOT NULL DEFAULT '',
    user_agent  TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- Every revision (a create, update or delete of an incident, postmortem,
-- timeline event or action item) is audited in the transaction that
-- appends it, so the audit log cannot miss a change the record kept.
-- +goose StatementBegin
CREATE FUNCTION revisions_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (at, actor, action, target_type, target_id, changes)
    VALUES (NEW.at, NEW.actor, NEW.entity_type || '.' || NEW.action, NEW.entity_type, NEW.entity_id::text, NEW.changes);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER revisions_audit AFTER INSERT ON revisions FOR EACH ROW EXECUTE FUNCTION revisions_audit();

-- The audit log is append-only: UPDATE, DELETE and TRUNCATE are refused.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TRIGGER revisions_audit ON revisions;
DROP FUNCTION revisions_audit();
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
