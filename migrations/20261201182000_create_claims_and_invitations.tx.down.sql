DROP TABLE structure_invitations;
DROP TABLE structure_claims;
DROP TABLE state_transitions;
