-- Issue 11: mentoring. A conseiller asks a mentor (a request), the mentor
-- accepts (a pairing) or declines; either side logs meetings; a mentor
-- validates competencies of the mentee at a meeting; mentors pause their
-- availability. Every move of a request or a pairing is also recorded in
-- state_transitions (entities mentoring_request, mentoring_pairing).

CREATE TABLE mentoring_requests (
    id           bigserial PRIMARY KEY,
    mentee_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentor_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'envoyee' CHECK (status IN ('envoyee', 'acceptee', 'refusee', 'expiree', 'annulee')),
    message      text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    answer       text NOT NULL DEFAULT '' CHECK (length(answer) <= 2000),
    -- the distance the mentee accepted: 0 = remote only
    max_km       integer NOT NULL CHECK (max_km IN (0, 5, 10, 15, 20, 40, 100)),
    remote       boolean NOT NULL DEFAULT false,
    distance_km  double precision,
    -- the coordinator who confirmed a proposal of the matching
    proposed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    reminded_at  timestamptz,
    answered_at  timestamptz,
    CHECK (mentee_id <> mentor_id)
);
-- one waiting request per pair
CREATE UNIQUE INDEX mentoring_requests_open_idx ON mentoring_requests (mentee_id, mentor_id) WHERE status = 'envoyee';
CREATE INDEX mentoring_requests_mentor_idx ON mentoring_requests (mentor_id, status);
CREATE INDEX mentoring_requests_mentee_idx ON mentoring_requests (mentee_id, status);
CREATE INDEX mentoring_requests_expiry_idx ON mentoring_requests (expires_at) WHERE status = 'envoyee';

CREATE TABLE mentoring_pairings (
    id          bigserial PRIMARY KEY,
    request_id  bigint UNIQUE REFERENCES mentoring_requests (id) ON DELETE SET NULL,
    mentee_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentor_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminee')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    ended_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    end_reason  text NOT NULL DEFAULT '' CHECK (length(end_reason) <= 2000),
    CHECK (mentee_id <> mentor_id),
    CHECK ((status = 'active') = (ended_at IS NULL))
);
CREATE UNIQUE INDEX mentoring_pairings_active_idx ON mentoring_pairings (mentee_id, mentor_id) WHERE status = 'active';
CREATE INDEX mentoring_pairings_mentor_idx ON mentoring_pairings (mentor_id, status);
CREATE INDEX mentoring_pairings_mentee_idx ON mentoring_pairings (mentee_id, status);

CREATE TABLE mentoring_meetings (
    id            bigserial PRIMARY KEY,
    pairing_id    bigint NOT NULL REFERENCES mentoring_pairings (id) ON DELETE CASCADE,
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    held_on       date NOT NULL,
    duration_min  integer NOT NULL CHECK (duration_min BETWEEN 1 AND 600),
    format        text NOT NULL CHECK (format IN ('presentiel', 'visio', 'telephone')),
    notes         text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mentoring_meetings_pairing_idx ON mentoring_meetings (pairing_id, held_on);

CREATE TABLE mentoring_meeting_topics (
    meeting_id       bigint NOT NULL REFERENCES mentoring_meetings (id) ON DELETE CASCADE,
    competence_code  text NOT NULL REFERENCES competences (code),
    PRIMARY KEY (meeting_id, competence_code)
);

-- Competencies validated by the mentor at a meeting (the profile's
-- competency becomes evidence 'validated', validated_by the mentor).
CREATE TABLE mentoring_validations (
    meeting_id       bigint NOT NULL REFERENCES mentoring_meetings (id) ON DELETE CASCADE,
    competence_code  text NOT NULL REFERENCES competences (code),
    level            integer NOT NULL CHECK (level BETWEEN 1 AND 8),
    validated_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, competence_code)
);

-- A mentor on pause receives no new request and is not proposed (until
-- the day after `until`, or until they resume when it is NULL).
CREATE TABLE mentor_pauses (
    user_id  bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    since    timestamptz NOT NULL DEFAULT now(),
    until    date
);

-- What the dashboard tells a person (the same events as the mails).
CREATE TABLE mentoring_notifications (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('request_received', 'request_proposed', 'request_accepted', 'request_declined',
                    'request_expiring', 'request_expired', 'request_cancelled', 'pairing_ended')),
    other_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    request_id  bigint REFERENCES mentoring_requests (id) ON DELETE CASCADE,
    pairing_id  bigint REFERENCES mentoring_pairings (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX mentoring_notifications_unread_idx ON mentoring_notifications (user_id) WHERE read_at IS NULL;
