-- Accounts: users, their identities per provider, sessions, e-mail links,
-- sign-in flows, role grants, the audit log and rate-limit counters.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text UNIQUE,              -- lower-cased; NULL once the account is deleted
    email_verified  boolean NOT NULL DEFAULT false,
    display_name    text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);

CREATE TABLE identities (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      text NOT NULL,
    subject       text NOT NULL,
    email         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, subject)
);
CREATE INDEX identities_user_id_idx ON identities (user_id);

CREATE TABLE sessions (
    id_hash       text PRIMARY KEY,           -- SHA-256 of the cookie value
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_method   text NOT NULL,              -- "email", "openid-connect", "github"…
    id_token      text NOT NULL DEFAULT '',   -- kept for the OpenID end-session hint
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,       -- absolute expiry
    revoked_at    timestamptz,
    ip            text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE email_tokens (
    token_hash    text PRIMARY KEY,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    ip            text NOT NULL DEFAULT ''
);
CREATE INDEX email_tokens_email_idx ON email_tokens (email);

CREATE TABLE auth_flows (
    state_hash     text PRIMARY KEY,
    provider       text NOT NULL,
    nonce          text NOT NULL DEFAULT '',
    code_verifier  text NOT NULL DEFAULT '',
    goth_session   text NOT NULL,
    return_to      text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);

-- An identity whose verified e-mail belongs to an existing account waits
-- here until that account's owner, signed in, confirms the link.
CREATE TABLE pending_links (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL,
    provider    text NOT NULL,
    subject     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX pending_links_email_idx ON pending_links (email);

CREATE TABLE role_grants (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('conseiller', 'mediateur', 'aidant', 'coordinateur', 'employeur',
                                               'organisme_formation', 'instructeur', 'administrateur', 'referent')),
    scope_kind   text NOT NULL DEFAULT '' CHECK (scope_kind IN ('', 'departement', 'region', 'programme', 'structure')),
    scope_value  text NOT NULL DEFAULT '',
    granted_by   bigint REFERENCES users (id),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    revoked_by   bigint REFERENCES users (id),
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX role_grants_active_idx ON role_grants (user_id, role, scope_kind, scope_value) WHERE revoked_at IS NULL;

-- Append-only: the trigger below refuses updates and deletes.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     bigint REFERENCES users (id),
    action       text NOT NULL,
    target_id    bigint REFERENCES users (id),
    details      jsonb NOT NULL DEFAULT '{}',
    ip           text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE rate_limits (
    key           text NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (key, window_start)
);

-- Development mailbox: mails kept when no SMTP server is configured.
CREATE TABLE dev_mails (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL
);
