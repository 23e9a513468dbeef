-- Change notifications (DB.WatchChanges): every move of the change
-- sequence is announced on channel bantin_change with the schema's name,
-- delivered to the listening replicas when the write commits.
CREATE FUNCTION bantin_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('bantin_change', current_schema());
	RETURN NULL;
END $$;
CREATE TRIGGER meta_change_seq AFTER INSERT OR UPDATE ON meta
	FOR EACH ROW WHEN (NEW.key = 'change_seq') EXECUTE FUNCTION bantin_notify_change();
