-- The outbox of passes delivered instead of shown and of notices to users.
-- A pass's code is held only sealed with the master key, and only until the
-- delivery ends. A replica claims a row by setting its lease in a conditional
-- UPDATE, so that of several replicas exactly one sends it.
CREATE TABLE deliveries (
	id              TEXT PRIMARY KEY,
	kind            TEXT NOT NULL,
	method          TEXT NOT NULL,
	recipient       TEXT NOT NULL,
	user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject_id      TEXT NOT NULL,
	sealed          BLOB,
	initiator       TEXT NOT NULL,
	initiated_at    INTEGER NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_owner     TEXT NOT NULL,
	lease_until     INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	completed_at    INTEGER
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_user ON deliveries (user_id, created_at);
