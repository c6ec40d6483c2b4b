DROP INDEX IF EXISTS search_outbox_rejected_idx;
ALTER TABLE search_outbox DROP COLUMN IF EXISTS rejected_at;
