-- PostgreSQL's 00029 gives each search document the numbers of its filter
-- values, indexed with its words, so that a filtered search reads only
-- the rows that pass the filter; SQLite counts and filters from its
-- in-process fact cache, so it needs no change. This migration keeps the
-- two engines at one schema version, which a dump names and a load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
