CREATE TABLE dev_mails (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL
);
INSERT INTO dev_mails (at, recipient, subject, body)
    SELECT created_at, recipient, subject, body FROM mails ORDER BY id;
DROP TABLE IF EXISTS mails;
DROP FUNCTION IF EXISTS mails_notify();
