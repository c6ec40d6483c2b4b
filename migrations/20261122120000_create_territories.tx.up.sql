CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

--bun:split

-- unaccent() is only STABLE; an IMMUTABLE wrapper lets indexes use it.
CREATE OR REPLACE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

--bun:split

CREATE TABLE regions (
    code text PRIMARY KEY,
    nom  text NOT NULL
);

CREATE TABLE departements (
    code        text PRIMARY KEY,
    nom         text NOT NULL,
    code_region text NOT NULL REFERENCES regions (code)
);
CREATE INDEX departements_code_region_idx ON departements (code_region);

CREATE TABLE communes (
    code_insee       text PRIMARY KEY,
    nom              text NOT NULL,
    code_departement text NOT NULL REFERENCES departements (code),
    code_region      text NOT NULL REFERENCES regions (code),
    codes_postaux    text[] NOT NULL DEFAULT '{}',
    population       integer,
    latitude         double precision NOT NULL,
    longitude        double precision NOT NULL,
    search_name      text GENERATED ALWAYS AS (lower(immutable_unaccent(nom))) STORED
);
CREATE INDEX communes_code_departement_idx ON communes (code_departement);
CREATE INDEX communes_search_name_idx ON communes (search_name text_pattern_ops);
CREATE INDEX communes_search_name_trgm_idx ON communes USING gin (search_name gin_trgm_ops);
CREATE INDEX communes_codes_postaux_idx ON communes USING gin (codes_postaux);

-- content_syncs remembers the hash of each content set already loaded, so a
-- start-up with unchanged content does nothing.
CREATE TABLE content_syncs (
    name       text PRIMARY KEY,
    sha256     text NOT NULL,
    rows       integer NOT NULL,
    synced_at  timestamptz NOT NULL DEFAULT now()
);
