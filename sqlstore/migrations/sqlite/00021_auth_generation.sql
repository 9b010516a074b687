-- The generation of what token authentication depends on.
--
-- A server may keep a verified API token in memory and skip re-reading the
-- token and its account on every request, as long as it reads this one
-- number first and it has not moved. Triggers move it on every change that
-- could end or narrow a token's use (revoked, expired, rescoped, deleted;
-- the account disabled, its role or name changed, deleted), whoever makes
-- it: this process, another instance, or a command run on the database
-- directly. Touching a token's last use does not move it.

-- +goose Up
CREATE TABLE auth_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO auth_generation (id, generation) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER auth_generation_token_update AFTER UPDATE OF revoked_at, expires_at, scope, user_id, hash ON api_tokens BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER auth_generation_token_delete AFTER DELETE ON api_tokens BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER auth_generation_user_update AFTER UPDATE OF role, disabled, email, name ON users BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER auth_generation_user_delete AFTER DELETE ON users BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER auth_generation_user_delete;
DROP TRIGGER auth_generation_user_update;
DROP TRIGGER auth_generation_token_delete;
DROP TRIGGER auth_generation_token_update;
DROP TABLE auth_generation;
