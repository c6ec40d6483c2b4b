-- A change whose document Meilisearch refuses (a value it cannot index) is
-- set aside (processed_at and rejected_at set, the reason in last_error)
-- instead of blocking every change queued after it. The next change of the
-- same entity is tried again normally. Rejected rows are kept 30 days.
ALTER TABLE search_outbox ADD COLUMN rejected_at timestamptz;
CREATE INDEX search_outbox_rejected_idx ON search_outbox (rejected_at) WHERE rejected_at IS NOT NULL;
