-- fed: the configured URL has given a feed since it was set (a body parsed
-- as a feed); from then on an HTML page at the source is a failing fetch,
-- never a reason to follow the page's feed link (autodiscovery).
ALTER TABLE sources ADD COLUMN fed INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET fed = 1 WHERE last_success > 0;
-- settings: a fingerprint of the source's settings that change what is
-- stored (url, retention, timezone, language, max_body); when it changes,
-- the cache validators are dropped so the next poll re-reads the feed.
ALTER TABLE sources ADD COLUMN settings TEXT NOT NULL DEFAULT '';
-- Items of the last parsed feed that were not stored, and why
-- ("older than retention 90d").
ALTER TABLE sources ADD COLUMN last_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_skip_reason TEXT NOT NULL DEFAULT '';
