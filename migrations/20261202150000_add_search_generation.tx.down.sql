DROP SEQUENCE IF EXISTS search_generation;
