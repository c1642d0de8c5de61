-- State of the OpenID Connect flows: authorization requests, grants, refresh
-- tokens and device authorizations. Secrets (codes, tokens, session ids) are
-- stored as hashes only. Optional ids are NULL when unset and optional times
-- are NULL when zero.

-- No foreign keys: a request is short-lived scratch state, like a ceremony, and
-- exchanging the code of a deleted user or application fails when the grant is
-- written.
CREATE TABLE auth_requests (
	id                    TEXT PRIMARY KEY,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL DEFAULT '[]',
	state                 TEXT NOT NULL DEFAULT '',
	nonce                 TEXT NOT NULL DEFAULT '',
	response_type         TEXT NOT NULL,
	response_mode         TEXT NOT NULL DEFAULT '',
	code_challenge        TEXT NOT NULL DEFAULT '',
	code_challenge_method TEXT NOT NULL DEFAULT '',
	prompt                TEXT NOT NULL DEFAULT '[]',
	max_age_us            INTEGER, -- microseconds; NULL when the request set none
	login_hint            TEXT NOT NULL DEFAULT '',
	user_id               TEXT,
	session_id_hash       TEXT,
	amr                   TEXT NOT NULL DEFAULT '[]',
	auth_time             INTEGER,
	pass_id               TEXT,
	auth_expires_at       INTEGER,
	code_hash             TEXT,
	code_expires_at       INTEGER,
	code_used_at          INTEGER,
	grant_id              TEXT,
	created_at            INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL
);
CREATE UNIQUE INDEX auth_requests_code_hash ON auth_requests (code_hash) WHERE code_hash IS NOT NULL;
CREATE INDEX auth_requests_expires_at ON auth_requests (expires_at);

-- A grant belongs to its user and its application: deleting either deletes it,
-- and with it its refresh tokens.
CREATE TABLE grants (
	id              TEXT PRIMARY KEY,
	client_id       TEXT NOT NULL REFERENCES applications (client_id) ON DELETE CASCADE ON UPDATE CASCADE,
	user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	session_id_hash TEXT, -- NULL for the device flow
	pass_id         TEXT,
	scopes          TEXT NOT NULL DEFAULT '[]',
	amr             TEXT NOT NULL DEFAULT '[]',
	auth_time       INTEGER,
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	revoked_at      INTEGER,
	revoked_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grants_user_id ON grants (user_id);
CREATE INDEX grants_client_id ON grants (client_id);
CREATE INDEX grants_session_id_hash ON grants (session_id_hash);
CREATE INDEX grants_pass_id ON grants (pass_id);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE refresh_tokens (
	hash       TEXT PRIMARY KEY,
	grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);

-- No foreign keys, as for auth_requests.
CREATE TABLE device_authorizations (
	device_code_hash TEXT PRIMARY KEY,
	user_code        TEXT NOT NULL UNIQUE,
	client_id        TEXT NOT NULL,
	scopes           TEXT NOT NULL DEFAULT '[]',
	state            TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	last_poll_at     INTEGER,
	user_id          TEXT,
	amr              TEXT NOT NULL DEFAULT '[]',
	auth_time        INTEGER,
	pass_id          TEXT,
	auth_expires_at  INTEGER,
	grant_id         TEXT
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
