-- Scheduling hints from a feed's last successful parse (<ttl>,
-- sy:updatePeriod/updateFrequency, skipHours, skipDays), kept so that a
-- 304 Not Modified is scheduled as the feed asked.
ALTER TABLE sources ADD COLUMN feed_interval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN skip_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN skip_days TEXT NOT NULL DEFAULT '';
