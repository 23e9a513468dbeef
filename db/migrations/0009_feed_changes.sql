-- Which published feeds each write changed, so that a server drops only
-- those from its render cache: key is 'topic/SLUG', 'tag/SLUG' or 'tags'
-- (the list of tags with items, or a tag's name), seq the change sequence
-- that makes the change visible (the value change_seq takes when the
-- writing transaction bumps it). One row per feed, updated in place.
-- Triggers fill it, so every write path is covered.
CREATE TABLE feed_changes (
	key TEXT PRIMARY KEY,
	seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX feed_changes_seq ON feed_changes (seq);

CREATE TRIGGER feed_changes_topic_ins AFTER INSERT ON item_topics BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || NEW.topic_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_topic_del AFTER DELETE ON item_topics BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || OLD.topic_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_tag_ins AFTER INSERT ON item_tags BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('tag/' || NEW.tag_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_tag_del AFTER DELETE ON item_tags BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('tag/' || OLD.tag_slug,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_tags_count AFTER UPDATE OF count ON tags
WHEN (OLD.count > 0) != (NEW.count > 0) BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('tags',
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_tags_name AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('tags',
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;

-- An item's text changed, or it goes: the feeds that show it.
CREATE TRIGGER feed_changes_item_upd AFTER UPDATE ON items BEGIN
	INSERT INTO feed_changes (key, seq)
		SELECT 'topic/' || topic_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM item_topics WHERE item_id = NEW.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
	INSERT INTO feed_changes (key, seq)
		SELECT 'tag/' || tag_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM item_tags WHERE item_id = NEW.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_item_del BEFORE DELETE ON items BEGIN
	INSERT INTO feed_changes (key, seq)
		SELECT 'topic/' || topic_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM item_topics WHERE item_id = OLD.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
	INSERT INTO feed_changes (key, seq)
		SELECT 'tag/' || tag_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM item_tags WHERE item_id = OLD.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;

-- Curation of one topic.
CREATE TRIGGER feed_changes_curation_ins AFTER INSERT ON curations BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || NEW.topic,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_curation_upd AFTER UPDATE ON curations BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || NEW.topic,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER feed_changes_curation_del AFTER DELETE ON curations BEGIN
	INSERT INTO feed_changes (key, seq) VALUES ('topic/' || OLD.topic,
		(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq'))
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;

-- What entries show of their source (name, site, removal): the feeds that
-- show the source's items.
CREATE TRIGGER feed_changes_source_upd AFTER UPDATE ON sources
WHEN OLD.title IS NOT NEW.title OR OLD.display_title IS NOT NEW.display_title
	OR OLD.site_url IS NOT NEW.site_url OR OLD.url IS NOT NEW.url
	OR OLD.language IS NOT NEW.language OR OLD.removed IS NOT NEW.removed BEGIN
	INSERT INTO feed_changes (key, seq)
		SELECT DISTINCT 'topic/' || m.topic_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM items i JOIN item_topics m ON m.item_id = i.id WHERE i.source_id = NEW.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
	INSERT INTO feed_changes (key, seq)
		SELECT DISTINCT 'tag/' || m.tag_slug, (SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq')
		FROM items i JOIN item_tags m ON m.item_id = i.id WHERE i.source_id = NEW.id
		ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
END;
