-- The competency referential and the certifications, loaded from
-- content/referentiel. Codes are stable primary keys. A row that disappears
-- from a new version of the files is retired (retired_at), never deleted:
-- profiles, offers and trainings may reference it.

CREATE TABLE competence_domains (
    code       text PRIMARY KEY,
    label      text NOT NULL,
    rank       integer NOT NULL,
    retired_at timestamptz
);

CREATE TABLE competences (
    code        text PRIMARY KEY,
    label       text NOT NULL,
    domain_code text NOT NULL REFERENCES competence_domains (code),
    rank        integer NOT NULL,
    variants    text[] NOT NULL DEFAULT '{}',
    retired_at  timestamptz
);
CREATE INDEX competences_domain_code_idx ON competences (domain_code);

-- Mastery levels of a competency (CRCN), 1 to 8.
CREATE TABLE competence_levels (
    level smallint PRIMARY KEY CHECK (level BETWEEN 1 AND 8),
    name  text NOT NULL
);

-- Global levels of the Pix v3 certification with their score range.
CREATE TABLE pix_levels (
    level   smallint PRIMARY KEY CHECK (level BETWEEN 0 AND 8),
    key     text NOT NULL,
    pix_min integer NOT NULL,
    pix_max integer NOT NULL,
    CHECK (pix_min <= pix_max)
);

CREATE TABLE certifications (
    code             text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('RNCP', 'RS')),
    number           text NOT NULL DEFAULT '',
    number_confirmed boolean NOT NULL DEFAULT false,
    title            text NOT NULL,
    level            smallint CHECK (level BETWEEN 1 AND 8),
    nsf              text NOT NULL DEFAULT '',
    certificateur    text NOT NULL DEFAULT '',
    legal_text       text NOT NULL DEFAULT '',
    valid_from       date,
    valid_until      date,
    replaces         text REFERENCES certifications (code),
    note             text NOT NULL DEFAULT '',
    retired_at       timestamptz,
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until)
);

CREATE TABLE blocs (
    code               text PRIMARY KEY,
    certification_code text NOT NULL REFERENCES certifications (code),
    rank               integer NOT NULL CHECK (rank >= 1),
    label              text NOT NULL,
    status             text NOT NULL CHECK (status IN ('confirme', 'source_secondaire', 'non_confirme')),
    note               text NOT NULL DEFAULT '',
    retired_at         timestamptz
);
CREATE INDEX blocs_certification_code_idx ON blocs (certification_code);

CREATE TABLE bloc_competences (
    bloc_code       text NOT NULL REFERENCES blocs (code),
    competence_code text NOT NULL REFERENCES competences (code),
    PRIMARY KEY (bloc_code, competence_code)
);
CREATE INDEX bloc_competences_competence_code_idx ON bloc_competences (competence_code);

-- One row per version of each referential file ever loaded.
CREATE TABLE referential_versions (
    name      text NOT NULL,
    version   text NOT NULL,
    sha256    text NOT NULL,
    synced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);
