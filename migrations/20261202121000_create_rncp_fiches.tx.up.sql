-- Fiches of the RNCP and RS registers imported from France compétences'
-- open data (maillage import rncp). A fiche either names a certification
-- that content/referentiel manages (managed = false: only the register's
-- state is recorded here) or one the import writes with its blocs
-- (managed = true). An inactive fiche is kept and marked; successor links
-- come from Ancienne_Nouvelle_Certification (or the XML's lists).

CREATE TABLE rncp_fiches (
    number              text PRIMARY KEY CHECK (number ~ '^(RNCP|RS)[0-9]+$'),
    certification_code  text NOT NULL UNIQUE REFERENCES certifications (code),
    managed             boolean NOT NULL,
    active              boolean NOT NULL,
    certificateurs      jsonb NOT NULL DEFAULT '[]',
    nsf                 text[] NOT NULL DEFAULT '{}',
    blocs               jsonb NOT NULL DEFAULT '[]',   -- code, rank, label, skills as published
    replaces            text[] NOT NULL DEFAULT '{}',  -- numbers of older fiches
    successors          text[] NOT NULL DEFAULT '{}',  -- numbers of newer fiches
    digest              text NOT NULL,                 -- SHA-256 of the fiche as read
    imported_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The content sync retires every certification and bloc missing from
-- content/referentiel. Those the RNCP import manages are not in the files:
-- their retired_at belongs to the import (set for an inactive fiche or a
-- bloc no longer listed), which marks its transaction with
-- SET LOCAL maillage.rncp_import = 'on'. Any other change of it is undone.
CREATE FUNCTION rncp_keep_certification_retired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.retired_at IS DISTINCT FROM OLD.retired_at
       AND coalesce(current_setting('maillage.rncp_import', true), '') <> 'on'
       AND EXISTS (SELECT 1 FROM rncp_fiches f WHERE f.managed AND f.certification_code = OLD.code) THEN
        NEW.retired_at := OLD.retired_at;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION rncp_keep_bloc_retired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.retired_at IS DISTINCT FROM OLD.retired_at
       AND coalesce(current_setting('maillage.rncp_import', true), '') <> 'on'
       AND EXISTS (SELECT 1 FROM rncp_fiches f WHERE f.managed AND f.certification_code = OLD.certification_code) THEN
        NEW.retired_at := OLD.retired_at;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER certifications_rncp_retired BEFORE UPDATE OF retired_at ON certifications
    FOR EACH ROW EXECUTE FUNCTION rncp_keep_certification_retired();
CREATE TRIGGER blocs_rncp_retired BEFORE UPDATE OF retired_at ON blocs
    FOR EACH ROW EXECUTE FUNCTION rncp_keep_bloc_retired();
