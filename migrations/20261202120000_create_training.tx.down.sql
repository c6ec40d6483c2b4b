DROP TABLE training_path_shares;
DROP TABLE training_sessions;
DROP TABLE training_offer_blocs;
DROP TABLE training_offer_certifications;
DROP TABLE training_offers;
DROP TABLE training_bodies;
