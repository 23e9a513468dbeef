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
-- Items to (re)index: queued by these triggers as items are written, and
-- indexed in batches by DB.IndexSearch (the daemon runs it every few
-- seconds), so that indexing never slows a fetch down. Every item stored
-- before this migration is queued.
CREATE TABLE search_queue (item_id INTEGER PRIMARY KEY);
CREATE TRIGGER items_search_ins AFTER INSERT ON items BEGIN
	INSERT OR IGNORE INTO search_queue (item_id) VALUES (NEW.id);
END;
CREATE TRIGGER items_search_upd AFTER UPDATE OF title, summary, content, full_text ON items BEGIN
	INSERT OR IGNORE INTO search_queue (item_id) VALUES (NEW.id);
END;
CREATE TRIGGER items_search_del AFTER DELETE ON items BEGIN
	DELETE FROM item_search WHERE rowid = OLD.id;
	DELETE FROM search_queue WHERE item_id = OLD.id;
END;
INSERT INTO search_queue (item_id) SELECT id FROM items;

-- Who made each curation (an editor's name; '' for the command line).
ALTER TABLE curations ADD COLUMN editor TEXT NOT NULL DEFAULT '';
