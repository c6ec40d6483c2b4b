-- The commune resolver compares names with hyphens and apostrophes as spaces.
CREATE INDEX communes_name_key_idx ON communes (translate(search_name, '-''’', '   ') text_pattern_ops);
