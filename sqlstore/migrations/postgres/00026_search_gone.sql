-- SQLite's search_gone (sqlite/00026) tells its in-process fact cache
-- which documents were deleted; PostgreSQL keeps no such cache, so it
-- needs no table. This migration keeps the two engines at one schema
-- version, which a dump names and a load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
