DELETE FROM state_transitions WHERE entity IN ('job_offer', 'job_application', 'job_contact');
DELETE FROM search_outbox WHERE entity = 'job';
DROP TABLE job_contacts;
DROP TABLE job_applications;
DROP TABLE job_seekers;
DROP TABLE job_offer_wants;
DROP TABLE job_offers;
