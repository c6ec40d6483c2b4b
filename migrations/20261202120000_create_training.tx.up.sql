-- Training: the training-body role of a structure (its declaration), the
-- offers of a training body with the certifications and blocs they prepare,
-- their sessions (a past session is kept, never deleted), and the links a
-- person makes to share their training path.

CREATE TABLE training_bodies (
    structure_id     bigint PRIMARY KEY REFERENCES structures (id) ON DELETE CASCADE,
    -- numéro de déclaration d'activité (11 characters)
    activity_number  text NOT NULL CHECK (activity_number ~ '^[0-9A-Z]{11}$'),
    qualiopi         boolean NOT NULL DEFAULT false,
    legal_name       text NOT NULL DEFAULT '' CHECK (length(legal_name) <= 250),
    contact_name     text NOT NULL DEFAULT '' CHECK (length(contact_name) <= 50),
    contact_email    text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 160),
    contact_phone    text NOT NULL DEFAULT '' CHECK (length(contact_phone) <= 25),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE training_offers (
    id             bigserial PRIMARY KEY,
    structure_id   bigint NOT NULL REFERENCES training_bodies (structure_id) ON DELETE CASCADE,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    objectives     text NOT NULL CHECK (length(objectives) BETWEEN 1 AND 3000),
    modality       text NOT NULL CHECK (modality IN ('presentiel', 'distanciel', 'hybride')),
    hours          integer NOT NULL DEFAULT 0 CHECK (hours BETWEEN 0 AND 100000),
    price_cents    bigint NOT NULL DEFAULT 0 CHECK (price_cents BETWEEN 0 AND 999999999),
    funding        text[] NOT NULL DEFAULT '{}'
                   CHECK (funding <@ ARRAY['cpf', 'opco', 'france_travail', 'region', 'autre']),
    contact_name   text NOT NULL DEFAULT '',
    contact_email  text NOT NULL DEFAULT '',
    contact_phone  text NOT NULL DEFAULT '',
    -- withdrawn: no longer offered; kept with its past sessions
    withdrawn_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_offers_structure_idx ON training_offers (structure_id);
CREATE INDEX training_offers_title_idx ON training_offers (structure_id, lower(title));

CREATE TABLE training_offer_certifications (
    offer_id            bigint NOT NULL REFERENCES training_offers (id) ON DELETE CASCADE,
    certification_code  text NOT NULL REFERENCES certifications (code),
    rank                integer NOT NULL,
    PRIMARY KEY (offer_id, certification_code)
);
CREATE INDEX training_offer_certifications_code_idx ON training_offer_certifications (certification_code);

CREATE TABLE training_offer_blocs (
    offer_id   bigint NOT NULL REFERENCES training_offers (id) ON DELETE CASCADE,
    bloc_code  text NOT NULL REFERENCES blocs (code),
    rank       integer NOT NULL,
    PRIMARY KEY (offer_id, bloc_code)
);
CREATE INDEX training_offer_blocs_code_idx ON training_offer_blocs (bloc_code);

CREATE TABLE training_sessions (
    id                bigserial PRIMARY KEY,
    offer_id          bigint NOT NULL REFERENCES training_offers (id) ON DELETE CASCADE,
    start_at          timestamptz NOT NULL,
    end_at            timestamptz NOT NULL,
    remote            boolean NOT NULL DEFAULT false,
    code_insee        text REFERENCES communes (code_insee),
    postcode          text NOT NULL DEFAULT '',
    city              text NOT NULL DEFAULT '',
    address           text NOT NULL DEFAULT '',
    seats             integer NOT NULL DEFAULT 0 CHECK (seats BETWEEN 0 AND 100000),
    seats_left        integer NOT NULL DEFAULT 0 CHECK (seats_left >= 0 AND seats_left <= seats),
    registration      text NOT NULL CHECK (registration IN ('ouverte', 'complete', 'fermee')),
    registration_url  text NOT NULL DEFAULT '',
    -- set once the session has started and its search document was removed
    unindexed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (end_at >= start_at),
    CHECK (remote OR code_insee IS NOT NULL)
);
CREATE INDEX training_sessions_offer_idx ON training_sessions (offer_id, start_at);
CREATE INDEX training_sessions_start_idx ON training_sessions (start_at) WHERE unindexed_at IS NULL;

CREATE TABLE training_path_shares (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    target      text NOT NULL DEFAULT '',
    radius_km   integer NOT NULL CHECK (radius_km IN (5, 10, 15, 20, 40, 100)),
    remote      boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX training_path_shares_user_idx ON training_path_shares (user_id);
