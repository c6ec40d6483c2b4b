DROP TABLE IF EXISTS lieux_imports;
