-- API tokens can be limited to reading and expire (issue 10, item 7).
ALTER TABLE api_tokens ADD COLUMN read_only boolean NOT NULL DEFAULT false;
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
-- Tokens made before expiry existed get a year from now.
UPDATE api_tokens SET expires_at = now() + interval '365 days' WHERE revoked_at IS NULL;
