-- db/migrations/0012_write_changes.sql on PostgreSQL: inserts into
-- item_tags and item_topics fire no trigger; the writer records the tag
-- counts and the feeds changed once per transaction (db/changes.go).
-- Deletes keep their triggers.
DROP TRIGGER item_tags_count ON item_tags;
CREATE TRIGGER item_tags_count AFTER DELETE ON item_tags
	FOR EACH ROW EXECUTE FUNCTION item_tags_count();
DROP TRIGGER feed_changes_item_tags ON item_tags;
CREATE TRIGGER feed_changes_item_tags AFTER DELETE ON item_tags
	FOR EACH ROW EXECUTE FUNCTION feed_changes_item_tags();
DROP TRIGGER feed_changes_item_topics ON item_topics;
CREATE TRIGGER feed_changes_item_topics AFTER DELETE ON item_topics
	FOR EACH ROW EXECUTE FUNCTION feed_changes_item_topics();
