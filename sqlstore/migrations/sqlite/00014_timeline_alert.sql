-- A timeline event names the alert it is about in a column of its own,
-- set by whatever ingested it, so similar incidents and search compare
-- alerts by name instead of reading the name back out of the English text
-- the ingestion parsers wrote ("Alert fired: HighErrorRate (instance
-- web-1): …").
--
-- Events stored before carry the name only in their text; it is taken out
-- here for the events the index read names from (alert events, and
-- detection events of alerting tools) whose text the parsers wrote (the
-- part after the verb, without a
-- leading "[FIRING:1]" and before the details: " (", ": ", a new line,
-- " - " or " — "), which is what the search index read from them before.
-- A name longer than a title may be (300 bytes) is cut to 75 characters.
-- The UPDATE marks each touched incident's search document dirty, and the
-- next write rebuilds them; search_rebuild rebuilds the rest once, for
-- the events whose old text gave a name that was not one (every PagerDuty
-- incident was "pagerduty incident triggered").

-- +goose Up
ALTER TABLE timeline_events ADD COLUMN alert TEXT NOT NULL DEFAULT '';

WITH verb AS (
    SELECT id, CASE
        WHEN text LIKE 'Alert fired: %' THEN substr(text, 14)
        WHEN text LIKE 'Alert resolved: %' THEN substr(text, 17)
        WHEN text LIKE 'Alert acknowledged: %' THEN substr(text, 21)
        WHEN text LIKE 'Alert triggered: %' THEN substr(text, 18)
        WHEN text LIKE 'Triggered: %' THEN substr(text, 12)
        WHEN text LIKE 'Resolved: %' THEN substr(text, 11)
        WHEN text LIKE 'PagerDuty incident triggered: %' THEN substr(text, 31)
        WHEN text LIKE 'Opsgenie alert created: %' THEN substr(text, 25)
    END AS rest
    FROM timeline_events
    WHERE kind = 'alert' OR kind = 'detection' AND source IN ('alertmanager', 'grafana', 'pagerduty', 'opsgenie')
), bare AS (
    SELECT id, ltrim(CASE WHEN rest LIKE '[%]%' AND instr(rest, ']') > 1 THEN substr(rest, instr(rest, ']') + 1) ELSE rest END) AS rest
    FROM verb WHERE rest IS NOT NULL
), cut AS (
    SELECT id, trim(substr(rest, 1, min(
        CASE WHEN instr(rest, ' (') > 1 THEN instr(rest, ' (') ELSE length(rest) + 1 END,
        CASE WHEN instr(rest, ': ') > 1 THEN instr(rest, ': ') ELSE length(rest) + 1 END,
        CASE WHEN instr(rest, char(10)) > 1 THEN instr(rest, char(10)) ELSE length(rest) + 1 END,
        CASE WHEN instr(rest, ' - ') > 1 THEN instr(rest, ' - ') ELSE length(rest) + 1 END,
        CASE WHEN instr(rest, ' — ') > 1 THEN instr(rest, ' — ') ELSE length(rest) + 1 END
    ) - 1)) AS name
    FROM bare
)
UPDATE timeline_events SET alert = (
    SELECT CASE WHEN length(CAST(name AS BLOB)) <= 300 THEN name ELSE substr(name, 1, 75) END FROM cut WHERE cut.id = timeline_events.id
)
WHERE id IN (SELECT id FROM cut WHERE name <> '');

INSERT INTO search_rebuild (reason) SELECT '00014 timeline alert names' WHERE EXISTS (SELECT 1 FROM search_docs);

-- +goose Down
ALTER TABLE timeline_events DROP COLUMN alert;
