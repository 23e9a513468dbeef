-- Subscriptions to bantin's built-in WebSub hub (websub.builtin): one row
-- per verified (topic, callback). Times are unix nanoseconds.
CREATE TABLE websub_subscriptions (
	topic     TEXT NOT NULL,
	callback  TEXT NOT NULL,
	secret    TEXT NOT NULL DEFAULT '',
	lease_end INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	PRIMARY KEY (topic, callback)
);
CREATE INDEX websub_subscriptions_lease ON websub_subscriptions (lease_end);
