-- db/migrations/0007_source_safety.sql on PostgreSQL.
ALTER TABLE sources ADD COLUMN fed INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET fed = 1 WHERE last_success > 0;
ALTER TABLE sources ADD COLUMN settings TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN last_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_skip_reason TEXT NOT NULL DEFAULT '';
