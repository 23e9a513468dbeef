-- The next due time a source had before the WebSub subscriber relaxed its
-- polling to max_interval (unix nanoseconds; 0: not relaxed), so that its
-- normal schedule is restored as soon as the subscription ends.
ALTER TABLE sources ADD COLUMN normal_due INTEGER NOT NULL DEFAULT 0;
