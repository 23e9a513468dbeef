-- db/migrations/0010_search.sql on PostgreSQL: who made each curation.
-- Full-text search (SQLite FTS5 there) is not on PostgreSQL yet: Search
-- says so (ErrNotOnPostgres).
ALTER TABLE curations ADD COLUMN editor TEXT NOT NULL DEFAULT '';
