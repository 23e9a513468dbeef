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
