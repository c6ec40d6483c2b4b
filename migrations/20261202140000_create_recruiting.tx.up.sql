-- Issue 15: recruiting. Employer structures publish job offers (the titles
-- and blocs they want, required or welcome); people apply (with an optional
-- CV kept as a file outside the web root) or are contacted by an employer
-- through the portal; every move of an offer, application or contact is a
-- row of state_transitions. Search documents of offers go through
-- search_outbox (entity 'job').

CREATE TABLE job_offers (
    id               bigserial PRIMARY KEY,
    structure_id     bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    title_feminine   text NOT NULL CHECK (length(title_feminine) BETWEEN 1 AND 120),
    title_masculine  text NOT NULL CHECK (length(title_masculine) BETWEEN 1 AND 120),
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
    code_insee       text REFERENCES communes (code_insee),
    remote           text NOT NULL DEFAULT 'aucun' CHECK (remote IN ('aucun', 'partiel', 'total')),
    contract         text NOT NULL CHECK (contract IN ('cdi', 'cdd', 'apprentissage', 'service_civique', 'benevolat')),
    duration_months  integer CHECK (duration_months BETWEEN 1 AND 36),
    hours_per_week   integer NOT NULL CHECK (hours_per_week BETWEEN 1 AND 48),
    salary_min       integer CHECK (salary_min BETWEEN 0 AND 500000),
    salary_max       integer CHECK (salary_max BETWEEN 0 AND 500000),
    salary_period    text CHECK (salary_period IN ('heure', 'mois', 'an')),
    start_on         date,                     -- NULL: as soon as possible
    closes_on        date NOT NULL,            -- last day to apply
    how_to_apply     text NOT NULL DEFAULT '' CHECK (length(how_to_apply) <= 1000),
    apply_url        text NOT NULL DEFAULT '' CHECK (length(apply_url) <= 500),
    status           text NOT NULL DEFAULT 'brouillon' CHECK (status IN ('brouillon', 'publiee', 'pourvue', 'fermee', 'expiree')),
    published_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max),
    CHECK (code_insee IS NOT NULL OR remote = 'total')
);
CREATE INDEX job_offers_structure_idx ON job_offers (structure_id);
-- The expiry worker and the lists of open offers.
CREATE INDEX job_offers_open_idx ON job_offers (closes_on) WHERE status = 'publiee';

-- The titles and blocs an offer wants (a whole title has no bloc).
CREATE TABLE job_offer_wants (
    offer_id            bigint NOT NULL REFERENCES job_offers (id) ON DELETE CASCADE,
    rank                integer NOT NULL,
    certification_code  text NOT NULL REFERENCES certifications (code),
    bloc_code           text REFERENCES blocs (code),
    required            boolean NOT NULL
);
CREATE UNIQUE INDEX job_offer_wants_unique_idx ON job_offer_wants (offer_id, certification_code, coalesce(bloc_code, ''));

-- When a person open to opportunities is available (shown with the
-- « ouvert aux opportunités » field of their profile, and only then).
CREATE TABLE job_seekers (
    user_id         bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    available_from  date,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_applications (
    id          bigserial PRIMARY KEY,
    offer_id    bigint NOT NULL REFERENCES job_offers (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message     text NOT NULL CHECK (length(message) BETWEEN 1 AND 3000),
    status      text NOT NULL DEFAULT 'envoyee' CHECK (status IN ('envoyee', 'vue', 'entretien', 'retenue', 'non_retenue', 'retiree')),
    -- The CV: a random file name under MAILLAGE_FILES_DIR/cv (never a
    -- name the browser sent), the name shown, its size and SHA-256.
    cv_file     text CHECK (cv_file ~ '^[0-9a-f]{32}\.pdf$'),
    cv_name     text CHECK (length(cv_name) <= 120),
    cv_size     integer CHECK (cv_size BETWEEN 1 AND 5242880),
    cv_sha256   text CHECK (cv_sha256 ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((cv_file IS NULL) = (cv_sha256 IS NULL))
);
-- One application per person and offer.
CREATE UNIQUE INDEX job_applications_once_idx ON job_applications (offer_id, user_id);
CREATE INDEX job_applications_user_idx ON job_applications (user_id);

-- An employer's request to talk with a person open to opportunities.
CREATE TABLE job_contacts (
    id            bigserial PRIMARY KEY,
    structure_id  bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    offer_id      bigint REFERENCES job_offers (id) ON DELETE SET NULL,
    employer_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    candidate_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message       text NOT NULL CHECK (length(message) BETWEEN 1 AND 3000),
    answer        text NOT NULL DEFAULT '' CHECK (length(answer) <= 3000),
    status        text NOT NULL DEFAULT 'envoyee' CHECK (status IN ('envoyee', 'acceptee', 'refusee')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    answered_at   timestamptz
);
-- One open request per structure and person.
CREATE UNIQUE INDEX job_contacts_open_idx ON job_contacts (structure_id, candidate_id) WHERE status = 'envoyee';
CREATE INDEX job_contacts_candidate_idx ON job_contacts (candidate_id);
