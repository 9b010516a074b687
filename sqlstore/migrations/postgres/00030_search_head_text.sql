-- SQLite's 00030 keeps the title and summary words of each document for
-- its in-memory first tier; PostgreSQL ranks its first tier in SQL
-- (search_head_words) and needs no change. This migration keeps the two
-- engines at one schema version, which a dump names and a load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
