-- The version of each published response (topic/tag feed, index, OPML)
-- and since when it has been served, so that Last-Modified stays the time
-- the bytes last changed across restarts. Times are unix nanoseconds.
CREATE TABLE feed_versions (
	key   TEXT PRIMARY KEY,
	etag  TEXT NOT NULL,
	since INTEGER NOT NULL
) WITHOUT ROWID;
