-- Issue 14: quality-label applications. Programmes come from
-- content/labels (one row per code and version); a structure's referent
-- applies; reviewers (« instructeurs », role scoped to a programme) assess,
-- ask for corrections and decide; a granted label has a start and an
-- expiry. Every move is in state_transitions (entities "label_application"
-- and "label"); evidence files are on disk under MAILLAGE_FILES_DIR, named
-- by their SHA-256.

CREATE TABLE label_programmes (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    title       text NOT NULL,
    definition  jsonb NOT NULL,          -- the programme as read (criteria, indicators)
    sha256      text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);

-- Lead reviewers (« instructeur responsable ») of a programme: they assign
-- applications to other reviewers.
CREATE TABLE label_leads (
    programme_code text NOT NULL,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_code, user_id)
);

-- Ties a reviewer declared with a structure (conflict of interest).
CREATE TABLE label_ties (
    reviewer_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    structure_id bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reviewer_id, structure_id)
);

CREATE TABLE label_applications (
    id             bigserial PRIMARY KEY,
    programme_id   bigint NOT NULL REFERENCES label_programmes (id),
    programme_code text NOT NULL,
    structure_id   bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    applicant_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    state          text NOT NULL DEFAULT 'brouillon' CHECK (state IN ('brouillon', 'deposee', 'en_instruction',
                       'correction_demandee', 'acceptee', 'refusee', 'classee_sans_suite')),
    renewal_of     bigint REFERENCES label_applications (id) ON DELETE SET NULL,
    revision       integer NOT NULL DEFAULT 1,
    motivation     text NOT NULL DEFAULT '' CHECK (length(motivation) <= 2000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deposited_at   timestamptz,
    due_at         timestamptz,
    decided_at     timestamptz
);
-- One open application per structure and programme.
CREATE UNIQUE INDEX label_applications_open_idx ON label_applications (structure_id, programme_code)
    WHERE state NOT IN ('acceptee', 'refusee', 'classee_sans_suite');
CREATE INDEX label_applications_queue_idx ON label_applications (programme_code, state, deposited_at, id);
CREATE INDEX label_applications_due_idx ON label_applications (programme_code, due_at, id);

CREATE TABLE label_assignments (
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    reviewer_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    assigned_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, reviewer_id)
);
CREATE INDEX label_assignments_reviewer_idx ON label_assignments (reviewer_id, application_id);

-- Revisions of the answers: the first before the deposit, one more per
-- request for corrections. A submitted revision is frozen (trigger below).
CREATE TABLE label_revisions (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    number         integer NOT NULL CHECK (number >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    submitted_at   timestamptz,
    UNIQUE (application_id, number)
);

CREATE TABLE label_answers (
    revision_id bigint NOT NULL REFERENCES label_revisions (id) ON DELETE CASCADE,
    indicator   text NOT NULL,
    text        text NOT NULL DEFAULT '' CHECK (length(text) <= 10000),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (revision_id, indicator)
);

CREATE TABLE label_messages (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    author_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    from_reviewer  boolean NOT NULL,
    text           text NOT NULL CHECK (length(text) <= 5000),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX label_messages_application_idx ON label_messages (application_id, id);

-- Evidence files of a revision's answers, and attachments of messages.
CREATE TABLE label_files (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    revision_id    bigint REFERENCES label_revisions (id) ON DELETE CASCADE,
    message_id     bigint REFERENCES label_messages (id) ON DELETE CASCADE,
    indicator      text NOT NULL DEFAULT '',
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    content_type   text NOT NULL,
    size           bigint NOT NULL CHECK (size > 0),
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((revision_id IS NULL) <> (message_id IS NULL))
);
CREATE INDEX label_files_revision_idx ON label_files (revision_id);
CREATE INDEX label_files_message_idx ON label_files (message_id);

-- A frozen revision keeps its answers and files.
CREATE FUNCTION label_refuse_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE rid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN rid := OLD.revision_id; ELSE rid := NEW.revision_id; END IF;
    IF rid IS NOT NULL AND EXISTS (SELECT 1 FROM label_revisions WHERE id = rid AND submitted_at IS NOT NULL) THEN
        RAISE EXCEPTION 'label revision % is frozen', rid USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
-- (Deletions cascading from an application or a structure run deeper.)
CREATE TRIGGER label_answers_frozen BEFORE INSERT OR UPDATE OR DELETE ON label_answers
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION label_refuse_frozen();
CREATE TRIGGER label_files_frozen BEFORE INSERT OR UPDATE OR DELETE ON label_files
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION label_refuse_frozen();

-- Per-indicator assessments of the reviewers.
CREATE TABLE label_assessments (
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    indicator      text NOT NULL,
    grade          text NOT NULL CHECK (grade IN ('conforme', 'non_conformite_mineure', 'non_conformite_majeure', 'non_applicable')),
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 5000),
    reviewer_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, indicator)
);

-- Private notes of the reviewers (never shown to the applicant).
CREATE TABLE label_notes (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    author_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    text           text NOT NULL CHECK (length(text) <= 5000),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX label_notes_application_idx ON label_notes (application_id, id);

-- Opinions (« avis ») asked of another reviewer.
CREATE TABLE label_opinions (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    requested_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    reviewer_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question       text NOT NULL CHECK (length(question) <= 5000),
    answer         text NOT NULL DEFAULT '' CHECK (length(answer) <= 5000),
    confidential   boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    answered_at    timestamptz,
    reminded_at    timestamptz
);
CREATE INDEX label_opinions_application_idx ON label_opinions (application_id, id);
CREATE INDEX label_opinions_pending_idx ON label_opinions (created_at) WHERE answered_at IS NULL;

-- Granted labels.
CREATE TABLE label_labels (
    id                bigserial PRIMARY KEY,
    structure_id      bigint NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    application_id    bigint NOT NULL REFERENCES label_applications (id) ON DELETE CASCADE,
    programme_code    text NOT NULL,
    programme_title   text NOT NULL,
    register_text     text NOT NULL,     -- as written in autres_formations_labels of the national data
    status            text NOT NULL DEFAULT 'actif' CHECK (status IN ('actif', 'retire', 'remplace')),
    starts_on         date NOT NULL,
    expires_on        date NOT NULL CHECK (expires_on > starts_on),
    withdrawn_at      timestamptz,
    withdrawal_reason text NOT NULL DEFAULT '' CHECK (length(withdrawal_reason) <= 2000),
    reminders_sent    integer[] NOT NULL DEFAULT '{}',
    expiry_synced     boolean NOT NULL DEFAULT false,  -- the search index and the place were told it expired
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX label_labels_active_idx ON label_labels (structure_id, programme_code) WHERE status = 'actif';
CREATE INDEX label_labels_structure_idx ON label_labels (structure_id);
CREATE INDEX label_labels_expiry_idx ON label_labels (expires_on) WHERE status = 'actif';

-- Exports of many applications, prepared in the background and announced
-- by mail; the file is kept on disk under MAILLAGE_FILES_DIR.
CREATE TABLE label_exports (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    format      text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    columns     text[] NOT NULL,
    filter      jsonb NOT NULL,
    rows        integer,
    sha256      text,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz
);
CREATE INDEX label_exports_pending_idx ON label_exports (created_at) WHERE done_at IS NULL;

-- The labels a place holds now, as the national data of places writes
-- them in autres_formations_labels (free text): the stored value of the
-- place, after the labels granted here. Structures' reads call it, so the
-- place's page, the API and the national export show the label.
CREATE FUNCTION label_autres_formations_labels(sid bigint, stored text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT left(concat_ws(', ', string_agg(l.register_text, ', ' ORDER BY l.starts_on, l.id), nullif(stored, '')), 1000)
    FROM label_labels l
    WHERE l.structure_id = sid AND l.status = 'actif' AND l.starts_on <= (now() AT TIME ZONE 'Europe/Paris')::date AND l.expires_on > (now() AT TIME ZONE 'Europe/Paris')::date
$$;
