DROP TRIGGER blocs_rncp_retired ON blocs;
DROP TRIGGER certifications_rncp_retired ON certifications;
DROP FUNCTION rncp_keep_bloc_retired();
DROP FUNCTION rncp_keep_certification_retired();
DROP TABLE rncp_fiches;
