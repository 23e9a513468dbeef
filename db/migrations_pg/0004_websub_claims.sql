-- Deliveries of the built-in WebSub hub claimed by one replica: the
-- version (ETag) being delivered to the subscriber and until when the
-- claim holds (unix ns), so that replicas sharing the database push each
-- change once.
ALTER TABLE websub_subscriptions ADD COLUMN claim_etag TEXT NOT NULL DEFAULT '';
ALTER TABLE websub_subscriptions ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
