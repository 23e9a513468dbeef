-- The inserts of a fetch (items, item_tags, item_topics) fire no trigger:
-- the writer records what they change once per transaction, in Go
-- (db/changes.go): the published feeds they change (feed_changes), the
-- tags' item counts, and the items to index for search (search_queue).
-- Any trigger on a table made SQLite keep a statement journal for each
-- insert into it (a copy of every page the insert changed, written to a
-- temporary file), and these upserted a feed_changes row per membership:
-- together half the writer's time. Updates and deletes, which are rarer
-- (a changed item, pruning, curation, a renamed source), keep theirs
-- (0001, 0009, 0010).
DROP TRIGGER items_search_ins;
DROP TRIGGER item_tags_count_ins;
DROP TRIGGER feed_changes_tag_ins;
DROP TRIGGER feed_changes_topic_ins;

-- The state a poll writes (validators, times, errors) fires no trigger
-- either: the source's trigger watches only what published feeds show of
-- it, which saveSourceState writes in its own statement when it changes.
DROP TRIGGER feed_changes_source_upd;
CREATE TRIGGER feed_changes_source_upd
AFTER UPDATE OF title, display_title, site_url, url, language, removed ON sources
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
