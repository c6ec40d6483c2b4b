-- The aidant charter (issue 13): versions loaded from content/charte, the
-- append-only hash chain of events (signatures, withdrawals, revocations),
-- the heads it went through, the consent sentences shown, the badge choice
-- and the invitations of structures.

-- A version's text never changes once stored: signatures carry its hash.
CREATE TABLE charter_versions (
    number         integer PRIMARY KEY CHECK (number >= 1),
    published_at   timestamptz NOT NULL,
    summary        text NOT NULL,
    source         text NOT NULL,
    licence        text NOT NULL,
    file           text NOT NULL,
    markdown       text NOT NULL,
    html           text NOT NULL,
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    source_sha256  text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    -- When the signers of older versions were asked to sign this one.
    announced_at   timestamptz
);

CREATE FUNCTION charter_versions_keep_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'charter_versions: a published version is never deleted';
    END IF;
    IF NEW.number <> OLD.number OR NEW.html <> OLD.html OR NEW.sha256 <> OLD.sha256
        OR NEW.markdown <> OLD.markdown OR NEW.source_sha256 <> OLD.source_sha256 THEN
        RAISE EXCEPTION 'charter_versions: the text of version % never changes', OLD.number;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER charter_versions_keep_text BEFORE UPDATE OR DELETE ON charter_versions
    FOR EACH ROW EXECUTE FUNCTION charter_versions_keep_text();

-- The chain: each row's hash is the SHA-256 of its canonical form
-- (internal/charter, Event.Canonical), which ends with the previous row's
-- hash. id is the order of insertion; seq the rank in the chain.
CREATE TABLE charter_events (
    id              bigserial PRIMARY KEY,
    seq             bigint NOT NULL UNIQUE CHECK (seq >= 1),
    kind            text NOT NULL CHECK (kind IN ('signature', 'withdrawal', 'revocation')),
    at              timestamptz NOT NULL,
    signature_code  text NOT NULL,
    user_id         bigint NOT NULL REFERENCES users (id),
    actor_id        bigint NOT NULL REFERENCES users (id),
    email           text NOT NULL,
    typed_name      text NOT NULL,
    structure_id    bigint,          -- no foreign key: the evidence outlives the structure
    version         integer NOT NULL,
    text_sha256     text NOT NULL,
    consent_sha256  text NOT NULL,
    ip              text NOT NULL,
    user_agent      text NOT NULL,
    auth_method     text NOT NULL,
    auth_level      text NOT NULL,
    session_id      text NOT NULL,
    reason          text NOT NULL,
    prev_hash       text NOT NULL,
    hash            text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    CHECK (kind <> 'signature' OR version >= 1)
);
CREATE UNIQUE INDEX charter_events_signature_idx ON charter_events (signature_code) WHERE kind = 'signature';
CREATE INDEX charter_events_code_idx ON charter_events (signature_code, seq);
CREATE INDEX charter_events_user_idx ON charter_events (user_id, seq);

-- Append-only: no update, no delete, no truncate.
CREATE FUNCTION charter_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER charter_events_append_only BEFORE UPDATE OR DELETE ON charter_events
    FOR EACH ROW EXECUTE FUNCTION charter_append_only();
CREATE TRIGGER charter_events_no_truncate BEFORE TRUNCATE ON charter_events
    FOR EACH STATEMENT EXECUTE FUNCTION charter_append_only();

-- A new row comes right after the head: next seq, linked to its hash. The
-- writers serialise on an advisory lock; this makes a fork impossible even
-- for a writer that forgot it.
CREATE FUNCTION charter_events_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq  bigint;
    head_hash text;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM charter_events ORDER BY seq DESC LIMIT 1;
    IF NEW.seq <> coalesce(head_seq, 0) + 1 OR NEW.prev_hash <> coalesce(head_hash, '') THEN
        RAISE EXCEPTION 'charter_events: event % does not follow the head (seq %)', NEW.seq, coalesce(head_seq, 0);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER charter_events_link BEFORE INSERT ON charter_events
    FOR EACH ROW EXECUTE FUNCTION charter_events_link();

-- The heads the chain went through, dated: (count, hash of the last event,
-- time). Written with each event; published on /charte/registre.
CREATE TABLE charter_heads (
    count  bigint PRIMARY KEY CHECK (count >= 1),
    hash   text NOT NULL,
    at     timestamptz NOT NULL
);
CREATE TRIGGER charter_heads_append_only BEFORE UPDATE OR DELETE ON charter_heads
    FOR EACH ROW EXECUTE FUNCTION charter_append_only();
CREATE TRIGGER charter_heads_no_truncate BEFORE TRUNCATE ON charter_heads
    FOR EACH STATEMENT EXECUTE FUNCTION charter_append_only();

-- The consent sentences as shown (their SHA-256 is in the signatures).
CREATE TABLE charter_consents (
    sha256         text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    lang           text NOT NULL,
    text           text NOT NULL,
    first_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER charter_consents_append_only BEFORE UPDATE OR DELETE ON charter_consents
    FOR EACH ROW EXECUTE FUNCTION charter_append_only();

-- Who may see the charter badge on a person's profile (private if absent).
CREATE TABLE charter_badges (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    visibility  text NOT NULL CHECK (visibility IN ('public', 'members', 'private')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Invitations of a structure to sign the charter (the mail is in mails).
CREATE TABLE charter_invitations (
    id            bigserial PRIMARY KEY,
    structure_id  bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    email         text NOT NULL,
    invited_by    bigint NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charter_invitations_structure_idx ON charter_invitations (structure_id, created_at DESC);
