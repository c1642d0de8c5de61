-- One counter that every change to what processes cache (the two policies,
-- the applications, and groups a policy may name) moves, in the change's own
-- transaction: a process compares it with the value its cache was filled at,
-- so a change made through any replica is seen by all of them at once.
-- Triggers, so that no writer (migrations, imports, hand edits) can forget.
CREATE TABLE cache_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO cache_version (id, version) VALUES (1, 1);

-- search_path as at migration: the trigger finds this schema's counter
-- whatever the session's path.
CREATE FUNCTION bump_cache_version() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE cache_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER applications_cache_version AFTER INSERT OR UPDATE OR DELETE ON applications
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version();
CREATE TRIGGER tap_policy_cache_version AFTER INSERT OR UPDATE OR DELETE ON tap_policy
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version();
CREATE TRIGGER fido2_policy_cache_version AFTER INSERT OR UPDATE OR DELETE ON fido2_policy
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version();
-- A policy target whose group is gone no longer counts (store.Store's Missing).
CREATE TRIGGER groups_cache_version AFTER DELETE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version();
