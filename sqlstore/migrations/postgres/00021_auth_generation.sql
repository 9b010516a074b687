-- The generation of what token authentication depends on.
--
-- A server may keep a verified API token in memory and skip re-reading the
-- token and its account on every request, as long as it reads this one
-- number first and it has not moved. Triggers move it on every change that
-- could end or narrow a token's use (revoked, expired, rescoped, deleted;
-- the account disabled, its role or name changed, deleted), whoever makes
-- it: this instance, another one, or a command run on the database
-- directly. Touching a token's last use does not move it.

-- +goose Up
CREATE TABLE auth_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO auth_generation (id, generation) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION auth_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER auth_generation_token_change AFTER UPDATE OF revoked_at, expires_at, scope, user_id, hash OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_generation_user_change AFTER UPDATE OF role, disabled, email, name OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();

-- +goose Down
DROP TRIGGER auth_generation_user_change ON users;
DROP TRIGGER auth_generation_token_change ON api_tokens;
DROP FUNCTION auth_generation_bump();
DROP TABLE auth_generation;
