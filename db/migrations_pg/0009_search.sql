-- db/migrations/0010_search.sql on PostgreSQL (db/search_pg.go): full-text
-- search without an extension. Each item has a row holding the seven
-- columns of SQLite's item_search, prepared in Go (fold.SearchIndexText):
-- title and body the folded words in order, exact the words with
-- diacritics, joined the softly joined words written as one, tpairs,
-- bpairs and epairs the pairs of adjacent words. words holds every distinct
-- word of every column prefixed by the column's number ('1:ha',
-- '5:ha·noi'), so that one GIN index finds the candidates of any column;
-- the texts check phrases and rank (BM25, as SQLite's bm25() does); ntok
-- counts the row's words in all seven columns.
CREATE TABLE item_search (
	item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
	title   TEXT NOT NULL,
	body    TEXT NOT NULL,
	exact   TEXT NOT NULL,
	joined  TEXT NOT NULL,
	tpairs  TEXT NOT NULL,
	bpairs  TEXT NOT NULL,
	epairs  TEXT NOT NULL,
	ntok    INTEGER NOT NULL,
	words   TEXT[] NOT NULL
);
CREATE INDEX item_search_words ON item_search USING gin (words);
-- The number of rows and of words of the index, read by an index-only scan.
CREATE INDEX item_search_ntok ON item_search (item_id) INCLUDE (ntok);

-- Items to (re)index, queued as items are written and indexed in batches
-- by DB.IndexSearch (the daemon runs it every few seconds), as on SQLite.
-- Every item stored before this migration is queued.
CREATE TABLE search_queue (item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE);
CREATE FUNCTION search_queue_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_queue (item_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
	RETURN NEW;
END $$;
CREATE TRIGGER items_search_ins AFTER INSERT ON items
	FOR EACH ROW EXECUTE FUNCTION search_queue_item();
CREATE TRIGGER items_search_upd AFTER UPDATE OF title, summary, content, full_text ON items
	FOR EACH ROW EXECUTE FUNCTION search_queue_item();
INSERT INTO search_queue (item_id) SELECT id FROM items;
