-- bantin_claim_batch (0014) again, cheaper under the host's lock, which
-- every claim of the host's sources takes: the live leases of a host are
-- counted through the partial index sources_lease_host (its predicate,
-- lease_host != '', is now stated, so the planner may use it instead of
-- reading every source), and a poller's heartbeat is written at most once
-- a second.
--
-- bantin_claim_batch: the leases of several sources in one round trip (see
-- db.ClaimSources). p_ids are candidates in the caller's order, p_hosts
-- their per_host keys ('' for none). Candidates are examined in order
-- until p_max are claimed; each examined one but those of status 2 is
-- returned with its status (1 claimed, 0 not due, not pollable or leased
-- by another poller; 2, not returned: its host's per_host slots or this
-- poller's share of them are taken) and its stored row as it is after
-- the claim.
CREATE OR REPLACE FUNCTION bantin_claim_batch(p_ids TEXT[], p_hosts TEXT[], p_owner TEXT, p_per_host INTEGER,
	p_now BIGINT, p_until BIGINT, p_all BOOLEAN, p_live_since BIGINT, p_max INTEGER)
	RETURNS TABLE (idx INTEGER, status INTEGER, src sources)
LANGUAGE plpgsql AS $$
DECLARE
	hs TEXT[];
	n INTEGER[];
	mine INTEGER[];
	live INTEGER;
	share INTEGER;
	h TEXT;
	j INTEGER;
	got TEXT;
	claimed INTEGER := 0;
	st INTEGER[] := '{}';
	done INTEGER := 0;
BEGIN
	SELECT coalesce(array_agg(x ORDER BY x), '{}') INTO hs
		FROM (SELECT DISTINCT x FROM unnest(p_hosts) x WHERE x != '') d;
	IF cardinality(hs) > 0 THEN
		-- claims of one host are serialised, so the counts cannot be
		-- raced; hosts are locked in one order, so two batches never wait
		-- for each other in a cycle
		FOREACH h IN ARRAY hs LOOP
			PERFORM pg_advisory_xact_lock(hashtext('bantin host ' || current_schema() || h));
		END LOOP;
		INSERT INTO pollers (owner, seen) VALUES (p_owner, p_now)
			ON CONFLICT (owner) DO UPDATE SET seen = excluded.seen
			WHERE pollers.seen < p_now - 1000000000;
		SELECT count(*) INTO live FROM pollers WHERE seen > p_live_since;
		share := (p_per_host + live - 1) / greatest(live, 1);
		SELECT array_agg(coalesce(c.n, 0) ORDER BY u.o), array_agg(coalesce(c.mine, 0) ORDER BY u.o) INTO n, mine
			FROM unnest(hs) WITH ORDINALITY u(h, o)
			LEFT JOIN (SELECT lease_host, count(*) AS n, count(*) FILTER (WHERE lease_owner = p_owner) AS mine
				FROM sources WHERE lease_host = ANY (hs) AND lease_host != '' AND lease_until > p_now
				GROUP BY lease_host) c
			ON c.lease_host = u.h;
	END IF;
	FOR i IN 1 .. coalesce(cardinality(p_ids), 0) LOOP
		EXIT WHEN claimed >= p_max;
		done := i;
		h := p_hosts[i];
		j := NULL;
		IF h != '' THEN
			j := array_position(hs, h);
			IF n[j] >= p_per_host OR mine[j] >= share THEN
				st := st || 2;
				CONTINUE;
			END IF;
		END IF;
		got := NULL;
		UPDATE sources SET lease_owner = p_owner, lease_until = p_until, lease_host = h
			WHERE id IN (SELECT s.id FROM sources s WHERE s.id = p_ids[i] AND s.removed = 0 AND s.disabled = 0
				AND s.retry_after <= p_now AND (p_all OR s.next_due <= p_now)
				AND (s.lease_until <= p_now OR s.lease_owner = p_owner)
				FOR UPDATE SKIP LOCKED)
			RETURNING id INTO got;
		IF got IS NULL THEN
			st := st || 0;
		ELSE
			st := st || 1;
			claimed := claimed + 1;
			IF j IS NOT NULL THEN
				n[j] := n[j] + 1;
				mine[j] := mine[j] + 1;
			END IF;
		END IF;
	END LOOP;
	-- Status 2 comes without its row (the caller keeps the candidate
	-- queued): a poller at its share of a host asks cheaply.
	RETURN QUERY SELECT c.i::INTEGER, c.code, r FROM unnest(p_ids[1:done], st) WITH ORDINALITY c(id, code, i)
		JOIN sources r ON r.id = c.id WHERE c.code != 2;
END $$;
