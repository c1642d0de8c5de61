-- One counter that every change to what processes cache (the two policies,
-- the applications, and groups a policy may name) moves, in the change's own
-- transaction: a process compares it with the value its cache was filled at,
-- so a change made through any process is seen by all of them at once.
-- Triggers, so that no writer (migrations, imports, hand edits) can forget.
CREATE TABLE cache_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO cache_version (id, version) VALUES (1, 1);

CREATE TRIGGER applications_insert_cache_version AFTER INSERT ON applications
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER applications_update_cache_version AFTER UPDATE ON applications
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER applications_delete_cache_version AFTER DELETE ON applications
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tap_policy_insert_cache_version AFTER INSERT ON tap_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tap_policy_update_cache_version AFTER UPDATE ON tap_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tap_policy_delete_cache_version AFTER DELETE ON tap_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER fido2_policy_insert_cache_version AFTER INSERT ON fido2_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER fido2_policy_update_cache_version AFTER UPDATE ON fido2_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER fido2_policy_delete_cache_version AFTER DELETE ON fido2_policy
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;

-- A policy target whose group is gone no longer counts (store.Store's Missing).
CREATE TRIGGER groups_delete_cache_version AFTER DELETE ON groups
BEGIN UPDATE cache_version SET version = version + 1 WHERE id = 1; END;
