-- Token signing keys join what processes cache under cache_version: every
-- token request read the key list to see another replica's rotation at once;
-- the counter says the same in the read the request makes anyway.
CREATE TRIGGER signing_keys_cache_version AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version();
