-- Most items' canonical link is their link: the index of canonical links
-- now holds only those that differ (ItemByLink finds the others through
-- items_link), one index entry fewer for each item a fetch inserts.
DROP INDEX items_canonical_link;
CREATE INDEX items_canonical_link ON items (canonical_link) WHERE canonical_link <> link;
