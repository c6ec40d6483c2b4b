-- Issue 10, items 2 and 3: becoming a structure's referent is a request
-- (granted by a coordinator of its territory or an administrator, or proved
-- by a link sent to the structure's contact address from the national
-- data), and adding a person to a structure is an invitation they accept.

-- Every transition of a state machine of the portal (claims, invitations,
-- and the capabilities that follow), with who, when and why.
CREATE TABLE state_transitions (
    id          bigserial PRIMARY KEY,
    entity      text NOT NULL,          -- "structure_claim", "structure_invitation", …
    entity_id   bigint NOT NULL,
    from_state  text NOT NULL,          -- "" for the creation
    to_state    text NOT NULL,
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    motivation  text NOT NULL DEFAULT '' CHECK (length(motivation) <= 2000)
);
CREATE INDEX state_transitions_entity_idx ON state_transitions (entity, entity_id, id);

CREATE TABLE structure_claims (
    id            bigserial PRIMARY KEY,
    structure_id  bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'en_attente' CHECK (status IN ('en_attente', 'acceptee', 'refusee', 'annulee')),
    -- SHA-256 of the token of the link sent to the structure's contact
    -- address, with its expiry; NULL until asked for.
    token_hash    text UNIQUE,
    token_email   text,
    token_expires timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz
);
-- One open claim per person and structure.
CREATE UNIQUE INDEX structure_claims_open_idx ON structure_claims (structure_id, user_id) WHERE status = 'en_attente';
CREATE INDEX structure_claims_status_idx ON structure_claims (status, created_at);

CREATE TABLE structure_invitations (
    id            bigserial PRIMARY KEY,
    structure_id  bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    email         text NOT NULL CHECK (length(email) <= 254),
    role          text NOT NULL CHECK (role IN ('referent', 'salarie', 'mediateur')),
    started_on    date,
    invited_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    status        text NOT NULL DEFAULT 'envoyee' CHECK (status IN ('envoyee', 'acceptee', 'refusee', 'annulee', 'expiree')),
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL, -- who accepted or refused
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL DEFAULT now() + interval '30 days',
    responded_at  timestamptz
);
-- One open invitation per address, structure and role.
CREATE UNIQUE INDEX structure_invitations_open_idx ON structure_invitations (structure_id, email, role) WHERE status = 'envoyee';
CREATE INDEX structure_invitations_email_idx ON structure_invitations (email, status);
