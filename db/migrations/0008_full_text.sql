-- Full text of an item's article page (full_text: match|publish, type: html
-- with follow: true): the extracted main content, sanitised HTML, '' when
-- not fetched; and the state of its fetch: failed attempts so far, when the
-- next may be made (unix nanoseconds; 0: none pending) and the last error.
ALTER TABLE items ADD COLUMN full_text TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN article_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN article_next INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN article_error TEXT NOT NULL DEFAULT '';
