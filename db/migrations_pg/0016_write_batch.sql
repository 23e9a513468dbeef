-- The changes of one write transaction in one round trip (db/changes.go,
-- txChanges.flush on PostgreSQL): the tags' counts, the feeds changed and
-- the change sequence, in the order the writers of every instance take
-- these shared rows (tags, then feed_changes, by byte order of the key;
-- the change sequence last), so that concurrent writers wait for each
-- other instead of deadlocking.
CREATE FUNCTION bantin_write_changes(p_tags TEXT[], p_counts INTEGER[], p_feeds TEXT[], p_bump BOOLEAN)
	RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	v_slug TEXT;
	v_n INTEGER;
BEGIN
	FOR v_slug, v_n IN SELECT u.slug, u.n FROM unnest(p_tags, p_counts) AS u(slug, n)
		WHERE u.n != 0 ORDER BY u.slug COLLATE "C" LOOP
		UPDATE tags SET count = count + v_n WHERE slug = v_slug;
	END LOOP;
	FOR v_slug IN SELECT k FROM unnest(p_feeds) AS k ORDER BY k COLLATE "C" LOOP
		PERFORM bantin_feed_changed(v_slug);
	END LOOP;
	IF p_bump THEN
		INSERT INTO meta (key, value) VALUES ('change_seq', 1)
		ON CONFLICT (key) DO UPDATE SET value = CAST(meta.value AS BIGINT) + 1;
	END IF;
END $$;

-- The feeds a change of a source's title, site, URL or language changes
-- are recorded by the item writer itself (db.itemWriter.showSourcePG),
-- flushed in order with its other changes, in the transactions that set
-- bantin.deferred_changes; every other write of sources keeps the trigger.
DROP TRIGGER feed_changes_source_upd ON sources;
CREATE TRIGGER feed_changes_source_upd AFTER UPDATE ON sources
	FOR EACH ROW WHEN (current_setting('bantin.deferred_changes', true) IS DISTINCT FROM 'on')
	EXECUTE FUNCTION feed_changes_sources();
