DROP INDEX IF EXISTS search_outbox_created_idx;
DROP INDEX IF EXISTS search_outbox_pending_idx;
ALTER TABLE search_outbox DROP COLUMN IF EXISTS processed_at;
