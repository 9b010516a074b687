-- PostgreSQL's 00028 copies each document's kind and date into its tag
-- rows for similar incidents; SQLite answers that lookup from its
-- in-process fact cache, so it needs no change. This migration keeps the
-- two engines at one schema version, which a dump names and a load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
