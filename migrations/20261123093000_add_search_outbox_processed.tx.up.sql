-- The search worker marks outbox rows processed instead of deleting them at
-- once: a reindex re-records the changes made while it ran (they may have
-- been applied to the indexes it swaps away). Processed rows are purged
-- after an hour.
ALTER TABLE search_outbox ADD COLUMN processed_at timestamptz;
CREATE INDEX search_outbox_pending_idx ON search_outbox (id) WHERE processed_at IS NULL;
CREATE INDEX search_outbox_created_idx ON search_outbox (created_at);
