-- What analytics needs to keep a copy of its rows up to date.
--
-- A server keeps the analytics rows of every incident in memory (its
-- postmortem's status, times and factors, its action items) and, before
-- each report, re-reads only the incidents marked here since its last
-- read. Triggers mark an incident on every change to it, to its
-- postmortem or to one of its action items, whoever makes it (this
-- process, another one, a command run on the database directly), in the
-- same transaction as the change. SQLite runs one writer at a time, so
-- seq grows in commit order and "seq > the last one read" misses nothing.
-- A row stays after its incident is deleted: the re-read finds nothing and
-- the copy drops the incident. A load (triggers off) moves generation,
-- which makes every copy read everything again.
--
-- postmortems.quality_score is the quality check's score (0–100) of the
-- postmortem as last saved, NULL until one is saved with a score, so the
-- score over time needs no re-checking of every document.

-- +goose Up
CREATE TABLE analytics_changes (
    incident_id INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL
);
CREATE INDEX analytics_changes_seq ON analytics_changes (seq);
CREATE TABLE analytics_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO analytics_generation (id, generation) VALUES (1, 0);
ALTER TABLE postmortems ADD COLUMN quality_score INTEGER CHECK (quality_score BETWEEN 0 AND 100);

-- +goose StatementBegin
CREATE TRIGGER analytics_incident_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT NEW.id, COALESCE(MAX(seq), 0) + 1 FROM analytics_changes WHERE true
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_incident_update AFTER UPDATE ON incidents BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT NEW.id, COALESCE(MAX(seq), 0) + 1 FROM analytics_changes WHERE true
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_incident_delete AFTER DELETE ON incidents BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT OLD.id, COALESCE(MAX(seq), 0) + 1 FROM analytics_changes WHERE true
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_postmortem_insert AFTER INSERT ON postmortems WHEN NEW.incident_id IS NOT NULL BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT NEW.incident_id, COALESCE(MAX(seq), 0) + 1 FROM analytics_changes WHERE true
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_postmortem_update AFTER UPDATE ON postmortems BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM analytics_changes)
        FROM (SELECT OLD.incident_id AS id UNION SELECT NEW.incident_id) WHERE id IS NOT NULL
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_postmortem_delete AFTER DELETE ON postmortems WHEN OLD.incident_id IS NOT NULL BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT OLD.incident_id, COALESCE(MAX(seq), 0) + 1 FROM analytics_changes WHERE true
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- An action item belongs to the incident it names or else to its
-- postmortem's incident (as ScanAnalytics reads it).
-- +goose StatementBegin
CREATE TRIGGER analytics_action_item_insert AFTER INSERT ON action_items BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM analytics_changes)
        FROM (SELECT COALESCE(NEW.incident_id, (SELECT incident_id FROM postmortems WHERE id = NEW.postmortem_id)) AS id) WHERE id IS NOT NULL
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_action_item_update AFTER UPDATE ON action_items BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM analytics_changes)
        FROM (SELECT COALESCE(OLD.incident_id, (SELECT incident_id FROM postmortems WHERE id = OLD.postmortem_id)) AS id
              UNION SELECT COALESCE(NEW.incident_id, (SELECT incident_id FROM postmortems WHERE id = NEW.postmortem_id))) WHERE id IS NOT NULL
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER analytics_action_item_delete AFTER DELETE ON action_items BEGIN
    INSERT INTO analytics_changes (incident_id, seq)
        SELECT id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM analytics_changes)
        FROM (SELECT COALESCE(OLD.incident_id, (SELECT incident_id FROM postmortems WHERE id = OLD.postmortem_id)) AS id) WHERE id IS NOT NULL
        ON CONFLICT (incident_id) DO UPDATE SET seq = excluded.seq;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER analytics_action_item_delete;
DROP TRIGGER analytics_action_item_update;
DROP TRIGGER analytics_action_item_insert;
DROP TRIGGER analytics_postmortem_delete;
DROP TRIGGER analytics_postmortem_update;
DROP TRIGGER analytics_postmortem_insert;
DROP TRIGGER analytics_incident_delete;
DROP TRIGGER analytics_incident_update;
DROP TRIGGER analytics_incident_insert;
ALTER TABLE postmortems DROP COLUMN quality_score;
DROP TABLE analytics_generation;
DROP TABLE analytics_changes;
