-- The generation of the search indexes: advanced (nextval) whenever changes
-- reach Meilisearch (outbox rows marked processed, a reindex swapped in).
-- A cached search answer is used only while the generation it was made at
-- is still the current one (internal/search/cache.go). A sequence, not a
-- row: advancing it takes no lock a saving transaction would wait on.
CREATE SEQUENCE search_generation;
