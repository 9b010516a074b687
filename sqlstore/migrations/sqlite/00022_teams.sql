-- Teams: people who own services. An incident's teams are derived from the
-- services it names, so no incident row carries a team.
--
-- Times are INTEGER unix microseconds in UTC, as in 00001.

-- +goose Up
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    members    TEXT    NOT NULL DEFAULT '[]', -- JSON list of lower-case e-mail addresses
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
);

-- A service has one owning team: the primary key refuses a second owner
-- even when two admins' changes race.
CREATE TABLE team_services (
    service TEXT    NOT NULL PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE INDEX team_services_team ON team_services (team_id);

-- +goose Down
DROP TABLE team_services;
DROP TABLE teams;
