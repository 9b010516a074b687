-- The starred events of each incident, in timeline order. A page of an
-- incident's timeline says how many of its events are starred, and its
-- starred filter is paged: both come from this index instead of reading
-- every event of a long timeline (an alert storm puts thousands on one
-- incident). Queries name the condition as it is written here (starred),
-- which SQLite needs to use a partial index.

-- +goose Up
CREATE INDEX timeline_events_starred ON timeline_events (incident_id, at, id) WHERE starred;

-- +goose Down
DROP INDEX timeline_events_starred;
