-- Teams: people who own services. An incident's teams are derived from the
-- services it names, so no incident row carries a team.
--
-- Times are TIMESTAMPTZ, as in 00001.

-- +goose Up
CREATE TABLE teams (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    members    JSONB   NOT NULL DEFAULT '[]', -- list of lower-case e-mail addresses
    created_by TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    INTEGER NOT NULL
);

-- A service has one owning team: the primary key refuses a second owner
-- even when two admins' changes race.
CREATE TABLE team_services (
    service TEXT   NOT NULL PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE INDEX team_services_team ON team_services (team_id);

-- +goose Down
DROP TABLE team_services;
DROP TABLE teams;
