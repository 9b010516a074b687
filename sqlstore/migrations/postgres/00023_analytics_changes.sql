-- What analytics needs to keep a copy of its rows up to date.
--
-- A server keeps the analytics rows of every incident in memory (its
-- postmortem's status, times and factors, its action items) and, before
-- each report, re-reads only the incidents marked here since its last
-- read. Triggers mark an incident on every change to it, to its
-- postmortem or to one of its action items, whoever makes it (this
-- instance, another one, a command run on the database directly), in the
-- same transaction as the change, with the id of the writing transaction.
-- Transactions commit in any order, so a reader does not trust "newer than
-- the last mark read": it remembers the oldest transaction still running
-- when it read (pg_snapshot_xmin) and next time re-reads every mark from
-- that one on. A row stays after its incident is deleted: the re-read
-- finds nothing and the copy drops the incident. A load (triggers off)
-- moves generation, which makes every copy read everything again.
--
-- postmortems.quality_score is the quality check's score (0–100) of the
-- postmortem as last saved, NULL until one is saved with a score, so the
-- score over time needs no re-checking of every document.

-- +goose Up
CREATE TABLE analytics_changes (
    incident_id BIGINT PRIMARY KEY,
    xid         xid8   NOT NULL
);
CREATE INDEX analytics_changes_xid ON analytics_changes (xid);
CREATE TABLE analytics_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO analytics_generation (id, generation) VALUES (1, 0);
ALTER TABLE postmortems ADD COLUMN quality_score INTEGER CHECK (quality_score BETWEEN 0 AND 100);

-- +goose StatementBegin
CREATE FUNCTION analytics_mark(incident BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF incident IS NULL THEN
        RETURN;
    END IF;
    -- A second mark in the same transaction changes nothing.
    INSERT INTO analytics_changes (incident_id, xid) VALUES (incident, pg_current_xact_id())
        ON CONFLICT (incident_id) DO UPDATE SET xid = EXCLUDED.xid
        WHERE analytics_changes.xid <> EXCLUDED.xid;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION analytics_incident_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM analytics_mark(OLD.id);
    ELSE
        PERFORM analytics_mark(NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION analytics_postmortem_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM analytics_mark(OLD.incident_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM analytics_mark(NEW.incident_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- An action item belongs to the incident it names or else to its
-- postmortem's incident (as ScanAnalytics reads it).
-- +goose StatementBegin
CREATE FUNCTION analytics_action_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM analytics_mark(COALESCE(OLD.incident_id, (SELECT incident_id FROM postmortems WHERE id = OLD.postmortem_id)));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM analytics_mark(COALESCE(NEW.incident_id, (SELECT incident_id FROM postmortems WHERE id = NEW.postmortem_id)));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER analytics_incident_change AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION analytics_incident_change();
CREATE TRIGGER analytics_postmortem_change AFTER INSERT OR UPDATE OR DELETE ON postmortems
    FOR EACH ROW EXECUTE FUNCTION analytics_postmortem_change();
CREATE TRIGGER analytics_action_item_change AFTER INSERT OR UPDATE OR DELETE ON action_items
    FOR EACH ROW EXECUTE FUNCTION analytics_action_item_change();

-- +goose Down
DROP TRIGGER analytics_action_item_change ON action_items;
DROP TRIGGER analytics_postmortem_change ON postmortems;
DROP TRIGGER analytics_incident_change ON incidents;
DROP FUNCTION analytics_action_item_change();
DROP FUNCTION analytics_postmortem_change();
DROP FUNCTION analytics_incident_change();
DROP FUNCTION analytics_mark(BIGINT);
ALTER TABLE postmortems DROP COLUMN quality_score;
DROP TABLE analytics_generation;
DROP TABLE analytics_changes;
