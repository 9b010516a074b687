-- PostgreSQL's search_heads table gained the columns a search's filters
-- read (postgres/00024). SQLite needs no change: its first tier is
-- filtered from the fact cache (search_sqlite_cache.go). This migration
-- keeps the two engines at one schema version, which a dump names and a
-- load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
