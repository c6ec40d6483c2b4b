DROP TABLE IF EXISTS content_syncs;
DROP TABLE IF EXISTS communes;
DROP TABLE IF EXISTS departements;
DROP TABLE IF EXISTS regions;
DROP FUNCTION IF EXISTS immutable_unaccent(text);
