-- Sign-in lock-outs and per-address limits, shared by every process on the
-- database. Keys hold a keyed hash of a typed name, never the name, so that
-- lock-outs can be kept for names that are no account (the lock-out must not
-- tell them apart). Rows past `expires` are purged by housekeeping.
CREATE TABLE throttles (
	id           TEXT PRIMARY KEY,
	attempts     INTEGER NOT NULL,
	locked_until TIMESTAMPTZ NOT NULL,
	expires      TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttles_expires ON throttles (expires);

-- The per-user lock-out it replaces counted only accounts that exist.
DROP TABLE lockouts;

-- When a multi-use pass last signed someone in. The update that sets it also
-- holds the pass's row while the sign-in's session is created, so that a
-- deletion of the pass either waits for it (and ends that session) or wins.
ALTER TABLE temporary_access_passes ADD COLUMN last_used_at TIMESTAMPTZ;
