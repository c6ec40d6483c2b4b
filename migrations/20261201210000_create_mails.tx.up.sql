-- The mail outbox. A mail is written in the same transaction as the change
-- that causes it (a sign-in link with its token, …) and sent by the mail
-- worker (internal/mail): a mail whose transaction rolls back never
-- exists, an SMTP outage only delays. Without an SMTP server (development)
-- the worker marks mails sent as "kept for the development mailbox", which
-- lists this table; it replaces dev_mails.
CREATE TABLE mails (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,                 -- what caused it: "auth.email_link", …
    lang             text NOT NULL,                 -- language it is written in
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,                 -- plain text
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- A worker that claims a mail leases it until locked_until: another
    -- worker (another portal instance) skips it meanwhile, and takes it
    -- over if the first one died.
    locked_until     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,    -- finished attempts
    last_error       text NOT NULL DEFAULT '',
    sent_at          timestamptz,                   -- accepted by the SMTP server
    abandoned_at     timestamptz,                   -- given up (row kept for inspection)
    CHECK (sent_at IS NULL OR abandoned_at IS NULL)
);
-- What the worker claims, soonest first.
CREATE INDEX mails_due_idx ON mails (next_attempt_at, id) WHERE sent_at IS NULL AND abandoned_at IS NULL;
-- The development mailbox and tests, by recipient.
CREATE INDEX mails_recipient_idx ON mails (recipient, id);
-- Housekeeping purges sent mails after 30 days.
CREATE INDEX mails_sent_idx ON mails (sent_at) WHERE sent_at IS NOT NULL;

-- Wake the workers up as soon as a mail is committed (NOTIFY is delivered
-- at commit, and not at all on rollback; one per statement is enough).
CREATE FUNCTION mails_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('maillage_mails', '');
    RETURN NULL;
END $$;
CREATE TRIGGER mails_notify AFTER INSERT ON mails
    FOR EACH STATEMENT EXECUTE FUNCTION mails_notify();

-- The development mailbox moves here: its mails count as sent.
INSERT INTO mails (kind, lang, recipient, subject, body, created_at, next_attempt_at, sent_at)
    SELECT 'dev_mailbox', 'fr', recipient, subject, body, at, at, at FROM dev_mails ORDER BY id;
DROP TABLE dev_mails;
