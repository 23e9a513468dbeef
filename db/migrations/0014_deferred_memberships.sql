-- The foreign keys of item_tags and item_topics are checked at the commit
-- (DEFERRABLE INITIALLY DEFERRED) instead of at each statement, so that
-- the writer inserts a fetch's memberships in a few INSERTs of many rows
-- (db/item.go: flushMemberships): with an immediate foreign key, SQLite
-- keeps a statement journal for every INSERT of several rows (a copy of
-- each page it changes, written to a temporary file), which cost more than
-- the INSERTs of one row it replaces. A violation (none is expected: the
-- writer stores an item, and upserts its tags, before their memberships)
-- still fails the whole transaction, at its commit.
--
-- SQLite cannot alter a constraint: both tables are rebuilt, with their
-- indexes and triggers as before. legacy_alter_table keeps the RENAME from
-- checking the triggers of items and sources, which name the tables while
-- the old ones are gone.
PRAGMA legacy_alter_table = ON;

CREATE TABLE item_tags_new (
	item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	tag_slug  TEXT NOT NULL REFERENCES tags(slug) DEFERRABLE INITIALLY DEFERRED,
	position  INTEGER NOT NULL,
	published INTEGER NOT NULL,
	PRIMARY KEY (item_id, tag_slug)
) WITHOUT ROWID;
INSERT INTO item_tags_new (item_id, tag_slug, position, published)
	SELECT item_id, tag_slug, position, published FROM item_tags;
DROP TABLE item_tags;
ALTER TABLE item_tags_new RENAME TO item_tags;
CREATE INDEX item_tags_feed ON item_tags (tag_slug, published DESC, item_id DESC);
CREATE TRIGGER item_tags_count_del AFTER DELETE ON item_tags BEGIN
	UPDATE tags SET count = count - 1 WHERE slug = OLD.tag_slug;
END;
CREATE TRIGGER feed_changes_tag_del AFTER DELETE ON item_tags BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('tag/' || OLD.tag_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;

CREATE TABLE item_topics_new (
	item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	topic_slug TEXT NOT NULL,
	position   INTEGER NOT NULL,
	published  INTEGER NOT NULL,
	PRIMARY KEY (item_id, topic_slug)
) WITHOUT ROWID;
INSERT INTO item_topics_new (item_id, topic_slug, position, published)
	SELECT item_id, topic_slug, position, published FROM item_topics;
DROP TABLE item_topics;
ALTER TABLE item_topics_new RENAME TO item_topics;
CREATE INDEX item_topics_feed ON item_topics (topic_slug, published DESC, item_id DESC);
CREATE TRIGGER feed_changes_topic_del AFTER DELETE ON item_topics BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || OLD.topic_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;

PRAGMA legacy_alter_table = OFF;
