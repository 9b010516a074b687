-- Deliveries say what became of them (accepted, partial, ignored, rejected)
-- and which alerts were left out of a partly accepted one, and why.

-- +goose Up
ALTER TABLE deliveries ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
-- JSON array of {"index", "field", "message"}.
ALTER TABLE deliveries ADD COLUMN rejected TEXT NOT NULL DEFAULT '[]';
UPDATE deliveries SET outcome = CASE WHEN status >= 400 THEN 'rejected' WHEN error <> '' THEN 'ignored' ELSE 'accepted' END;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN rejected;
ALTER TABLE deliveries DROP COLUMN outcome;
