DROP TABLE IF EXISTS referential_versions;
DROP TABLE IF EXISTS bloc_competences;
DROP TABLE IF EXISTS blocs;
DROP TABLE IF EXISTS certifications;
DROP TABLE IF EXISTS pix_levels;
DROP TABLE IF EXISTS competence_levels;
DROP TABLE IF EXISTS competences;
DROP TABLE IF EXISTS competence_domains;
