-- Imports of files of places run in the background: the file waits here
-- until a worker takes it (FOR UPDATE SKIP LOCKED), progress is recorded
-- with each batch of places in the same transaction, and the report stays
-- for the upload page (summary) and the CSV download (report). A job left
-- running by a process that died (no heartbeat) is taken up again.
CREATE TABLE lieux_imports (
    id            bigserial PRIMARY KEY,
    actor_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    file_name     text NOT NULL,
    size          bigint NOT NULL,
    sha256        text NOT NULL,
    data          bytea,                        -- the file, until the import ends
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_done     integer NOT NULL DEFAULT 0,   -- good rows stored
    rows_total    integer,                      -- good rows in the file, once read
    created       integer NOT NULL DEFAULT 0,
    updated       integer NOT NULL DEFAULT 0,
    matched       jsonb NOT NULL DEFAULT '[]',  -- warnings of the batches stored
    summary       jsonb,                        -- per kind of problem: total and first lines
    report        jsonb,                        -- every line
    error_key     text NOT NULL DEFAULT '',
    error_args    jsonb,
    attempts      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    heartbeat_at  timestamptz,
    finished_at   timestamptz
);
CREATE INDEX lieux_imports_pending_idx ON lieux_imports (id) WHERE status IN ('queued', 'running');
CREATE INDEX lieux_imports_actor_idx ON lieux_imports (actor_id, created_at DESC);
