-- bantin_claim: the lease of one source in one round trip (see
-- db.ClaimSource). Returns 1 when claimed, 2 when the host's per_host
-- slots (or this poller's share of them) are taken, 0 when the source is
-- not due, not pollable or leased by another poller.
CREATE FUNCTION bantin_claim(p_id TEXT, p_owner TEXT, p_host TEXT, p_per_host INTEGER,
	p_now BIGINT, p_until BIGINT, p_all BOOLEAN, p_live_since BIGINT) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
	n INTEGER;
	mine INTEGER;
	live INTEGER;
	got TEXT;
BEGIN
	IF p_host != '' THEN
		-- claims of one host are serialised, so the count cannot be raced
		PERFORM pg_advisory_xact_lock(hashtext('bantin host ' || current_schema() || p_host));
		INSERT INTO pollers (owner, seen) VALUES (p_owner, p_now)
			ON CONFLICT (owner) DO UPDATE SET seen = excluded.seen;
		SELECT count(*), count(*) FILTER (WHERE lease_owner = p_owner) INTO n, mine
			FROM sources WHERE lease_host = p_host AND lease_until > p_now AND id != p_id;
		SELECT count(*) INTO live FROM pollers WHERE seen > p_live_since;
		IF n >= p_per_host OR mine >= (p_per_host + live - 1) / greatest(live, 1) THEN
			RETURN 2;
		END IF;
	END IF;
	UPDATE sources SET lease_owner = p_owner, lease_until = p_until, lease_host = p_host
		WHERE id IN (SELECT id FROM sources WHERE id = p_id AND removed = 0 AND disabled = 0
			AND retry_after <= p_now AND (p_all OR next_due <= p_now)
			AND (lease_until <= p_now OR lease_owner = p_owner)
			FOR UPDATE SKIP LOCKED)
		RETURNING id INTO got;
	IF got IS NULL THEN
		RETURN 0;
	END IF;
	RETURN 1;
END $$;
