-- PostgreSQL gained search_head_words, its first tier's words in ranking
-- order (postgres/00025). SQLite needs no change: it ranks its first tier
-- from search_head's doclists and the fact cache (rankHead). This
-- migration keeps the two engines at one schema version, which a dump
-- names and a load checks.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
