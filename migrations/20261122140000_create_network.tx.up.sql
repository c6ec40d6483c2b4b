-- The network: profiles (with per-field visibility), their competencies and
-- titles, structures in the national standard of places, memberships, API
-- tokens, and the search outbox filled in the same transactions.

CREATE TABLE profiles (
    id                bigserial PRIMARY KEY,
    user_id           bigint NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('conseiller', 'mediateur', 'aidant', 'coordinateur')),
    display_name      text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    bio               text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    code_insee        text REFERENCES communes (code_insee),
    pix_level         integer CHECK (pix_level BETWEEN 0 AND 8),
    open_to_work      boolean NOT NULL DEFAULT false,
    mentor_available  boolean NOT NULL DEFAULT false,
    mentor_capacity   integer NOT NULL DEFAULT 0 CHECK (mentor_capacity BETWEEN 0 AND 20),
    mentor_radius_km  integer NOT NULL DEFAULT 20 CHECK (mentor_radius_km IN (5, 10, 15, 20, 40, 100)),
    mentor_remote     boolean NOT NULL DEFAULT false,
    mentor_themes     text[] NOT NULL DEFAULT '{}',
    visibility        jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX profiles_code_insee_idx ON profiles (code_insee);
CREATE INDEX profiles_kind_idx ON profiles (kind);

CREATE TABLE profile_competences (
    profile_id       bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    competence_code  text NOT NULL REFERENCES competences (code),
    level            integer NOT NULL CHECK (level BETWEEN 1 AND 8),
    evidence         text NOT NULL CHECK (evidence IN ('declared', 'certified', 'validated')),
    validated_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    validated_at     timestamptz,
    PRIMARY KEY (profile_id, competence_code)
);
CREATE INDEX profile_competences_code_idx ON profile_competences (competence_code);

CREATE TABLE profile_titles (
    id                  bigserial PRIMARY KEY,
    profile_id          bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    certification_code  text NOT NULL REFERENCES certifications (code),
    bloc_code           text REFERENCES blocs (code),
    obtained_on         date
);
CREATE UNIQUE INDEX profile_titles_unique_idx ON profile_titles (profile_id, certification_code, coalesce(bloc_code, ''));

CREATE TABLE structures (
    id                               bigserial PRIMARY KEY,
    lieu_id                          text NOT NULL UNIQUE,
    pivot                            text NOT NULL,
    nom                              text NOT NULL,
    commune                          text NOT NULL,
    code_postal                      text NOT NULL,
    code_insee                       text NOT NULL DEFAULT '',          -- as given in the data
    commune_insee                    text REFERENCES communes (code_insee), -- resolved commune (arrondissements → city)
    adresse                          text NOT NULL,
    complement_adresse               text NOT NULL DEFAULT '',
    latitude                         double precision,
    longitude                        double precision,
    typologie                        text[] NOT NULL DEFAULT '{}',
    telephone                        text NOT NULL DEFAULT '',
    courriels                        text[] NOT NULL DEFAULT '{}',
    site_web                         text[] NOT NULL DEFAULT '{}',
    horaires                         text NOT NULL DEFAULT '',
    presentation_resume              text NOT NULL DEFAULT '',
    presentation_detail              text NOT NULL DEFAULT '',
    source                           text NOT NULL DEFAULT '',
    itinerance                       text[] NOT NULL DEFAULT '{}',
    structure_parente                text NOT NULL DEFAULT '',
    date_maj                         date NOT NULL,
    services                         text[] NOT NULL DEFAULT '{}',
    publics_specifiquement_adresses  text[] NOT NULL DEFAULT '{}',
    prise_en_charge_specifique       text[] NOT NULL DEFAULT '{}',
    frais_a_charge                   text[] NOT NULL DEFAULT '{}',
    dispositif_programmes_nationaux  text[] NOT NULL DEFAULT '{}',
    formations_labels                text[] NOT NULL DEFAULT '{}',
    autres_formations_labels         text NOT NULL DEFAULT '',
    modalites_acces                  text[] NOT NULL DEFAULT '{}',
    modalites_accompagnement         text[] NOT NULL DEFAULT '{}',
    fiche_acces_libre                text NOT NULL DEFAULT '',
    prise_rdv                        text NOT NULL DEFAULT '',
    roles                            text[] NOT NULL DEFAULT '{lieu}',
    created_at                       timestamptz NOT NULL DEFAULT now(),
    updated_at                       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX structures_pivot_idx ON structures (pivot);
CREATE INDEX structures_commune_insee_idx ON structures (commune_insee);

CREATE TABLE memberships (
    id            bigserial PRIMARY KEY,
    structure_id  bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('referent', 'salarie', 'mediateur')),
    started_on    date,
    ended_on      date,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX memberships_active_idx ON memberships (structure_id, user_id, role) WHERE ended_on IS NULL;
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Every write that changes a searchable thing adds a row here in the same
-- transaction; the search worker drains it (see internal/search).
CREATE TABLE search_outbox (
    id          bigserial PRIMARY KEY,
    entity      text NOT NULL,      -- "profile", "structure", …
    entity_id   bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT ''
);
CREATE INDEX search_outbox_entity_idx ON search_outbox (entity, entity_id);
