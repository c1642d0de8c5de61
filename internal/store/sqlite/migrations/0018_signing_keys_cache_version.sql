-- Token signing keys join what processes cache under cache_version: every
-- token request read the key list to see another replica's rotation at once;
-- the counter says the same in the read the request makes anyway.
CREATE TRIGGER signing_keys_insert_cache_version AFTER INSERT ON signing_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_update_cache_version AFTER UPDATE ON signing_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_delete_cache_version AFTER DELETE ON signing_keys
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
