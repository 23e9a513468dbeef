-- The ETag of the feed version each subscriber of the built-in hub last
-- received (or was verified at), so that a change made while bantin was
-- down is still pushed after a restart. '' for rows from before 0004.
ALTER TABLE websub_subscriptions ADD COLUMN sent_etag TEXT NOT NULL DEFAULT '';
