-- db/migrations/0009_feed_changes.sql on PostgreSQL: which published feeds
-- each write changed (key 'topic/SLUG', 'tag/SLUG' or 'tags'; seq the
-- change sequence that makes the change visible), filled by triggers.
CREATE TABLE feed_changes (
	key TEXT PRIMARY KEY,
	seq BIGINT NOT NULL
);
CREATE INDEX feed_changes_seq ON feed_changes (seq);

CREATE FUNCTION bantin_feed_changed(k TEXT) RETURNS void LANGUAGE sql AS $$
	INSERT INTO feed_changes (key, seq)
	SELECT k, CAST(value AS BIGINT) + 1 FROM meta WHERE key = 'change_seq'
	ON CONFLICT (key) DO UPDATE SET seq = excluded.seq
$$;

CREATE FUNCTION feed_changes_item_topics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bantin_feed_changed('topic/' || OLD.topic_slug);
		RETURN OLD;
	END IF;
	PERFORM bantin_feed_changed('topic/' || NEW.topic_slug);
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_item_topics AFTER INSERT OR DELETE ON item_topics
	FOR EACH ROW EXECUTE FUNCTION feed_changes_item_topics();

CREATE FUNCTION feed_changes_item_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bantin_feed_changed('tag/' || OLD.tag_slug);
		RETURN OLD;
	END IF;
	PERFORM bantin_feed_changed('tag/' || NEW.tag_slug);
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_item_tags AFTER INSERT OR DELETE ON item_tags
	FOR EACH ROW EXECUTE FUNCTION feed_changes_item_tags();

CREATE FUNCTION feed_changes_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (OLD.count > 0) != (NEW.count > 0) OR OLD.name IS DISTINCT FROM NEW.name THEN
		PERFORM bantin_feed_changed('tags');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_tags AFTER UPDATE ON tags
	FOR EACH ROW EXECUTE FUNCTION feed_changes_tags();

CREATE FUNCTION feed_changes_item(p_id BIGINT) RETURNS void LANGUAGE sql AS $$
	SELECT bantin_feed_changed('topic/' || topic_slug) FROM item_topics WHERE item_id = p_id;
	SELECT bantin_feed_changed('tag/' || tag_slug) FROM item_tags WHERE item_id = p_id;
$$;
CREATE FUNCTION feed_changes_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM feed_changes_item(OLD.id);
		RETURN OLD;
	END IF;
	PERFORM feed_changes_item(NEW.id);
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_item_upd AFTER UPDATE ON items
	FOR EACH ROW EXECUTE FUNCTION feed_changes_items();
CREATE TRIGGER feed_changes_item_del BEFORE DELETE ON items
	FOR EACH ROW EXECUTE FUNCTION feed_changes_items();

CREATE FUNCTION feed_changes_curations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM bantin_feed_changed('topic/' || OLD.topic);
		RETURN OLD;
	END IF;
	PERFORM bantin_feed_changed('topic/' || NEW.topic);
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_curations AFTER INSERT OR UPDATE OR DELETE ON curations
	FOR EACH ROW EXECUTE FUNCTION feed_changes_curations();

CREATE FUNCTION feed_changes_sources() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.title IS DISTINCT FROM NEW.title OR OLD.display_title IS DISTINCT FROM NEW.display_title
		OR OLD.site_url IS DISTINCT FROM NEW.site_url OR OLD.url IS DISTINCT FROM NEW.url
		OR OLD.language IS DISTINCT FROM NEW.language OR OLD.removed IS DISTINCT FROM NEW.removed THEN
		PERFORM bantin_feed_changed(k) FROM (
			SELECT DISTINCT 'topic/' || m.topic_slug AS k FROM items i JOIN item_topics m ON m.item_id = i.id WHERE i.source_id = NEW.id
			UNION
			SELECT DISTINCT 'tag/' || m.tag_slug FROM items i JOIN item_tags m ON m.item_id = i.id WHERE i.source_id = NEW.id) c;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER feed_changes_source_upd AFTER UPDATE ON sources
	FOR EACH ROW EXECUTE FUNCTION feed_changes_sources();
