-- The search index's words (migration 0009) in one array per column
-- (title_words: the distinct words of title, and so on), each with a GIN
-- index, instead of one array of every column's words prefixed by the
-- column's number: a query of a common word reads the newest rows one by
-- one, and now checks only the small arrays of the columns it names.
ALTER TABLE item_search
	ADD COLUMN title_words  TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN body_words   TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN exact_words  TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN joined_words TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN tpairs_words TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN bpairs_words TEXT[] NOT NULL DEFAULT '{}',
	ADD COLUMN epairs_words TEXT[] NOT NULL DEFAULT '{}';
-- Before the rows are rewritten, so that the old index is not updated.
DROP INDEX item_search_words;
CREATE FUNCTION bantin_search_words(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(DISTINCT w), '{}') FROM unnest(string_to_array(t, ' ')) w
	WHERE w <> '' AND octet_length(w) <= 2000
$$;
UPDATE item_search SET title_words = bantin_search_words(title), body_words = bantin_search_words(body),
	exact_words = bantin_search_words(exact), joined_words = bantin_search_words(joined),
	tpairs_words = bantin_search_words(tpairs), bpairs_words = bantin_search_words(bpairs),
	epairs_words = bantin_search_words(epairs);
DROP FUNCTION bantin_search_words(TEXT);
ALTER TABLE item_search DROP COLUMN words;
CREATE INDEX item_search_title_words ON item_search USING gin (title_words);
CREATE INDEX item_search_body_words ON item_search USING gin (body_words);
CREATE INDEX item_search_exact_words ON item_search USING gin (exact_words);
CREATE INDEX item_search_joined_words ON item_search USING gin (joined_words);
CREATE INDEX item_search_tpairs_words ON item_search USING gin (tpairs_words);
CREATE INDEX item_search_bpairs_words ON item_search USING gin (bpairs_words);
CREATE INDEX item_search_epairs_words ON item_search USING gin (epairs_words);
