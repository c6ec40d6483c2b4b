DROP TABLE IF EXISTS search_outbox;
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS memberships;
DROP TABLE IF EXISTS structures;
DROP TABLE IF EXISTS profile_titles;
DROP TABLE IF EXISTS profile_competences;
DROP TABLE IF EXISTS profiles;
