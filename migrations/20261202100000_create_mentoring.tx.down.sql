DROP TABLE mentoring_notifications;
DROP TABLE mentor_pauses;
DROP TABLE mentoring_validations;
DROP TABLE mentoring_meeting_topics;
DROP TABLE mentoring_meetings;
DROP TABLE mentoring_pairings;
DROP TABLE mentoring_requests;
DELETE FROM state_transitions WHERE entity IN ('mentoring_request', 'mentoring_pairing');
