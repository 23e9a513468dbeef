-- Full-text search over every stored item (db/search.go). The words are
-- prepared in Go (fold.SearchIndexText): title and body hold the folded
-- words in order, exact the distinct words with diacritics as written
-- (lowercased), joined the concatenations of softly joined words (TP.HCM
-- -> tphcm), tpairs and bpairs the pairs of adjacent folded words of the
-- title and body (ha·noi), by which phrases are found, epairs the pairs
-- with diacritics as written (hà·nội). The table keeps no copy of the
-- text; the row id is the item id.
CREATE VIRTUAL TABLE item_search USING fts5(title, body, exact, joined, tpairs, bpairs, epairs,
	tokenize = 'ascii', content = '', contentless_delete = 1);
CREATE TRIGGER items_search_del AFTER DELETE ON items BEGIN
	DELETE FROM item_search WHERE rowid = OLD.id;
END;
-- Items stored before this migration are indexed by DB.IndexSearch, from
-- the highest id down; search_backfill is the highest id not yet indexed.
INSERT INTO meta (key, value) SELECT 'search_backfill', coalesce(max(id), 0) FROM items;

-- Who made each curation (an editor's name; '' for the command line).
ALTER TABLE curations ADD COLUMN editor TEXT NOT NULL DEFAULT '';
