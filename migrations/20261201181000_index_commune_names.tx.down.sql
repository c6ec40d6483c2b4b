DROP INDEX communes_name_key_idx;
