-- The département and région of a profile and of a structure, kept on the
-- row next to its commune and indexed, so that the directory pages filter
-- and count on an index instead of joining every visible row with the
-- 35,000 communes (issue 16: 17 ms of the département page, 20 ms of the
-- région page, on the demo network). They are derived, never written by
-- the application: the triggers below set them from the commune whenever
-- the commune changes, and follow a commune that changes département or
-- région when the official list is reloaded.
ALTER TABLE profiles ADD COLUMN code_departement text, ADD COLUMN code_region text;
ALTER TABLE structures ADD COLUMN code_departement text, ADD COLUMN code_region text;

UPDATE profiles p SET code_departement = c.code_departement, code_region = c.code_region
    FROM communes c WHERE c.code_insee = p.code_insee;
UPDATE structures s SET code_departement = c.code_departement, code_region = c.code_region
    FROM communes c WHERE c.code_insee = s.commune_insee;

CREATE INDEX profiles_code_departement_idx ON profiles (code_departement);
CREATE INDEX profiles_code_region_idx ON profiles (code_region);
CREATE INDEX structures_code_departement_idx ON structures (code_departement);
CREATE INDEX structures_code_region_idx ON structures (code_region);

CREATE FUNCTION profiles_territory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- No commune (or none found): both NULL, as SELECT INTO leaves them.
    SELECT c.code_departement, c.code_region INTO NEW.code_departement, NEW.code_region
        FROM communes c WHERE c.code_insee = NEW.code_insee;
    RETURN NEW;
END $$;
CREATE TRIGGER profiles_territory BEFORE INSERT OR UPDATE OF code_insee, code_departement, code_region ON profiles
    FOR EACH ROW EXECUTE FUNCTION profiles_territory();

CREATE FUNCTION structures_territory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.code_departement, c.code_region INTO NEW.code_departement, NEW.code_region
        FROM communes c WHERE c.code_insee = NEW.commune_insee;
    RETURN NEW;
END $$;
CREATE TRIGGER structures_territory BEFORE INSERT OR UPDATE OF commune_insee, code_departement, code_region ON structures
    FOR EACH ROW EXECUTE FUNCTION structures_territory();

CREATE FUNCTION communes_territory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE profiles SET code_departement = NEW.code_departement, code_region = NEW.code_region
        WHERE code_insee = NEW.code_insee;
    UPDATE structures SET code_departement = NEW.code_departement, code_region = NEW.code_region
        WHERE commune_insee = NEW.code_insee;
    RETURN NULL;
END $$;
CREATE TRIGGER communes_territory AFTER UPDATE OF code_departement, code_region ON communes
    FOR EACH ROW WHEN (OLD.code_departement IS DISTINCT FROM NEW.code_departement OR OLD.code_region IS DISTINCT FROM NEW.code_region)
    EXECUTE FUNCTION communes_territory();
