-- A timeline event names the alert it is about in a column of its own,
-- set by whatever ingested it, so similar incidents and search compare
-- alerts by name instead of reading the name back out of the English text
-- the ingestion parsers wrote ("Alert fired: HighErrorRate (instance
-- web-1): …").
--
-- Events stored before carry the name only in their text; it is taken out
-- here for the events the index read names from (alert events, and
-- detection events of alerting tools) whose text the parsers wrote (the
-- part after the verb, without a leading "[FIRING:1]" and before the
-- details: " (", ": ", a new line, " - " or " — "), which is what the
-- search index read from them before. A name longer than a title may be
-- (300 bytes) is cut to 75 characters. The search documents are not
-- rebuilt here (PostgreSQL's index is rebuilt by writes in their own
-- transactions): names read from such texts before are the same, and the
-- few that were not names (every PagerDuty incident was "pagerduty
-- incident triggered") are corrected by the incident's next change or by
-- `debrief reindex`.

-- +goose Up
ALTER TABLE timeline_events ADD COLUMN alert TEXT NOT NULL DEFAULT '';

WITH verb AS (
    SELECT id, substring(text from '(?i)^(?:Alert fired|Alert resolved|Alert acknowledged|Alert triggered|Triggered|Resolved|PagerDuty incident triggered|Opsgenie alert created): (.*)$') AS rest
    FROM timeline_events
    WHERE kind = 'alert' OR kind = 'detection' AND source IN ('alertmanager', 'grafana', 'pagerduty', 'opsgenie')
), bare AS (
    SELECT id, ltrim(regexp_replace(rest, '^\[[^]]*\]', '')) AS rest
    FROM verb WHERE rest IS NOT NULL
), cut AS (
    SELECT id, btrim(COALESCE(substring(rest from '^(.+?)(?: \(|: |\n| - | — )'), rest)) AS name
    FROM bare
)
UPDATE timeline_events t SET alert = CASE WHEN octet_length(cut.name) <= 300 THEN cut.name ELSE left(cut.name, 75) END
FROM cut WHERE cut.id = t.id AND cut.name <> '';

-- The UPDATE marked the touched incidents' documents dirty under this
-- transaction's id, which no store transaction will ever flush.
DELETE FROM search_dirty WHERE tx = txid_current();

-- +goose Down
ALTER TABLE timeline_events DROP COLUMN alert;
