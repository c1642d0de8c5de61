-- SCIM provisioning. Users and groups keep the provisioning client's own id
-- (externalId) and a version that counts their changes, from which ETags are
-- made; users keep the HR system's employee number. Rows that exist already
-- start at version 1, last modified when they were created.
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN employee_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN last_modified_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET last_modified_at = created_at;
CREATE INDEX users_external_id ON users (external_id);

ALTER TABLE groups ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE groups ADD COLUMN last_modified_at INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET last_modified_at = created_at;
CREATE INDEX groups_external_id ON groups (external_id);

-- A provisioning client's long-lived bearer token, found by its unsalted
-- SHA-256 (it carries 256 random bits, so precomputation is pointless).
ALTER TABLE applications ADD COLUMN provisioning_token_hash TEXT;
CREATE UNIQUE INDEX applications_provisioning_token ON applications (provisioning_token_hash);
