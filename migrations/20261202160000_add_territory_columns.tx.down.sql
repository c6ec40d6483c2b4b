DROP TRIGGER IF EXISTS communes_territory ON communes;
DROP TRIGGER IF EXISTS structures_territory ON structures;
DROP TRIGGER IF EXISTS profiles_territory ON profiles;
DROP FUNCTION IF EXISTS communes_territory();
DROP FUNCTION IF EXISTS structures_territory();
DROP FUNCTION IF EXISTS profiles_territory();
ALTER TABLE structures DROP COLUMN IF EXISTS code_departement, DROP COLUMN IF EXISTS code_region;
ALTER TABLE profiles DROP COLUMN IF EXISTS code_departement, DROP COLUMN IF EXISTS code_region;
