-- bantin schema, version 1.
-- Times are unix nanoseconds (INTEGER, UTC); 0 means "not set".

CREATE TABLE sources (
	id              TEXT PRIMARY KEY,
	config_url      TEXT NOT NULL DEFAULT '',
	display_title   TEXT NOT NULL DEFAULT '', -- the config's title, if any
	url             TEXT NOT NULL DEFAULT '',
	title           TEXT NOT NULL DEFAULT '', -- the feed's own title
	site_url        TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL DEFAULT '',
	removed         INTEGER NOT NULL DEFAULT 0,
	disabled        INTEGER NOT NULL DEFAULT 0,
	etag            TEXT NOT NULL DEFAULT '',
	last_modified   TEXT NOT NULL DEFAULT '',
	last_attempt    INTEGER NOT NULL DEFAULT 0,
	last_success    INTEGER NOT NULL DEFAULT 0,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	last_new        INTEGER NOT NULL DEFAULT 0,
	last_updated    INTEGER NOT NULL DEFAULT 0,
	last_duration   INTEGER NOT NULL DEFAULT 0,
	failures        INTEGER NOT NULL DEFAULT 0,
	next_due        INTEGER NOT NULL DEFAULT 0,
	retry_after     INTEGER NOT NULL DEFAULT 0,
	moved_to        TEXT NOT NULL DEFAULT '',
	moved_count     INTEGER NOT NULL DEFAULT 0,
	discovered_from TEXT NOT NULL DEFAULT '',
	hub_url         TEXT NOT NULL DEFAULT '',
	hub_topic       TEXT NOT NULL DEFAULT '',
	hub_lease_end   INTEGER NOT NULL DEFAULT 0,
	hub_secret      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE items (
	id             INTEGER PRIMARY KEY,
	source_id      TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	guid           TEXT NOT NULL,
	link           TEXT NOT NULL DEFAULT '',
	canonical_link TEXT NOT NULL DEFAULT '',
	title          TEXT NOT NULL DEFAULT '',
	summary        TEXT NOT NULL DEFAULT '',
	content        TEXT NOT NULL DEFAULT '',
	authors        TEXT NOT NULL DEFAULT '', -- JSON array of Person, '' when none
	categories     TEXT NOT NULL DEFAULT '', -- JSON array of strings, '' when none
	enclosures     TEXT NOT NULL DEFAULT '', -- JSON array of Enclosure, '' when none
	image_url      TEXT NOT NULL DEFAULT '',
	language       TEXT NOT NULL DEFAULT '',
	published      INTEGER NOT NULL,
	updated        INTEGER NOT NULL DEFAULT 0,
	first_seen     INTEGER NOT NULL DEFAULT 0,
	hash           TEXT NOT NULL DEFAULT '',
	UNIQUE (source_id, guid)
);
CREATE INDEX items_published ON items (published DESC, id DESC);
CREATE INDEX items_source_published ON items (source_id, published);
CREATE INDEX items_link ON items (link);
CREATE INDEX items_canonical_link ON items (canonical_link);

-- tags: name is the first display name seen for the slug; count is kept by
-- the triggers below so that listing tags never scans item_tags.
CREATE TABLE tags (
	slug  TEXT PRIMARY KEY,
	name  TEXT NOT NULL,
	count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- item_tags and item_topics copy the item's published time so that a page of
-- one tag or topic is a single index range scan in feed order.
CREATE TABLE item_tags (
	item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	tag_slug  TEXT NOT NULL REFERENCES tags(slug),
	position  INTEGER NOT NULL,
	published INTEGER NOT NULL,
	PRIMARY KEY (item_id, tag_slug)
) WITHOUT ROWID;
CREATE INDEX item_tags_feed ON item_tags (tag_slug, published DESC, item_id DESC);

CREATE TRIGGER item_tags_count_ins AFTER INSERT ON item_tags BEGIN
	UPDATE tags SET count = count + 1 WHERE slug = NEW.tag_slug;
END;
CREATE TRIGGER item_tags_count_del AFTER DELETE ON item_tags BEGIN
	UPDATE tags SET count = count - 1 WHERE slug = OLD.tag_slug;
END;

CREATE TABLE item_topics (
	item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	topic_slug TEXT NOT NULL,
	position   INTEGER NOT NULL,
	published  INTEGER NOT NULL,
	PRIMARY KEY (item_id, topic_slug)
) WITHOUT ROWID;
CREATE INDEX item_topics_feed ON item_topics (topic_slug, published DESC, item_id DESC);

-- tombstones remember pruned identities so a re-fetch does not revive them.
CREATE TABLE tombstones (
	source_id TEXT NOT NULL,
	guid      TEXT NOT NULL,
	pruned_at INTEGER NOT NULL,
	PRIMARY KEY (source_id, guid)
) WITHOUT ROWID;

-- curations: at most one action (pin or hide) per topic and item.
CREATE TABLE curations (
	topic   TEXT NOT NULL,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	action  TEXT NOT NULL CHECK (action IN ('pin', 'hide')),
	at      INTEGER NOT NULL,
	PRIMARY KEY (topic, item_id)
) WITHOUT ROWID;
CREATE INDEX curations_item ON curations (item_id, action);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value
) WITHOUT ROWID;

-- change_seq starts at the creation time in milliseconds, so a re-created
-- database does not repeat the sequence numbers (and ETags) of an old one.
INSERT INTO meta (key, value)
VALUES ('change_seq', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
