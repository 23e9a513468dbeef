-- The WebSub subscriber's state, shared by every instance on one database
-- (reserved number 0010). Times are unix nanoseconds.
--
-- websub_upstream: the verified subscription of each source to the hub
-- its feed advertises (sources.hub_secret and hub_lease_end mirror it).
CREATE TABLE websub_upstream (
	source_id TEXT PRIMARY KEY,
	hub       TEXT NOT NULL,
	topic     TEXT NOT NULL,
	secret    TEXT NOT NULL,
	verified  BIGINT NOT NULL,
	lease_end BIGINT NOT NULL
);
INSERT INTO websub_upstream (source_id, hub, topic, secret, verified, lease_end)
	SELECT id, hub_url, hub_topic, hub_secret, hub_lease_end - 864000000000000, hub_lease_end FROM sources
	WHERE hub_secret != '' AND hub_url != '' AND hub_lease_end > 0;
-- websub_requests: the last (un)subscription request sent for each
-- (source, mode, topic), claimed by the instance that sends it: open
-- (awaiting its verification) until deadline; 0 once verified, denied or
-- failed, and then not sent again before retry_at.
CREATE TABLE websub_requests (
	source_id TEXT NOT NULL,
	mode      TEXT NOT NULL,
	topic     TEXT NOT NULL,
	hub       TEXT NOT NULL,
	secret    TEXT NOT NULL DEFAULT '',
	lease     BIGINT NOT NULL DEFAULT 0,
	since     BIGINT NOT NULL,
	deadline  BIGINT NOT NULL,
	retry_at  BIGINT NOT NULL DEFAULT 0,
	token     TEXT NOT NULL,
	PRIMARY KEY (source_id, mode, topic)
);
