-- Passkeys, WebAuthn ceremonies, the passkey policy and account lock-out.

CREATE TABLE passkeys (
	id                TEXT PRIMARY KEY,
	user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	credential_id     BLOB NOT NULL UNIQUE, -- unique across all users
	public_key        BLOB NOT NULL,
	attestation_type  TEXT NOT NULL,
	attestation_level TEXT NOT NULL,
	aaguid            TEXT NOT NULL,
	sign_count        INTEGER NOT NULL, -- uint32
	transports        TEXT NOT NULL DEFAULT '[]',
	backup_eligible   INTEGER NOT NULL,
	backup_state      INTEGER NOT NULL,
	display_name      TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	last_used_at      INTEGER,
	clone_warning     INTEGER NOT NULL
);
CREATE INDEX passkeys_user_id ON passkeys (user_id, created_at);

-- No foreign key on user_id: a ceremony is short-lived scratch state, and
-- finishing one for a deleted user fails when the passkey or session is written.
CREATE TABLE ceremonies (
	id         TEXT PRIMARY KEY,
	user_id    TEXT, -- NULL for usernameless sign-in
	kind       TEXT NOT NULL,
	data       BLOB NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX ceremonies_expires_at ON ceremonies (expires_at);

CREATE TABLE fido2_policy (
	id                           INTEGER PRIMARY KEY CHECK (id = 1),
	state                        TEXT NOT NULL,
	include_targets              TEXT NOT NULL,
	exclude_targets              TEXT NOT NULL,
	self_service_registration    INTEGER NOT NULL,
	attestation_enforced         INTEGER NOT NULL,
	key_restrictions_enforced    INTEGER NOT NULL,
	key_restrictions_type        TEXT NOT NULL,
	key_restrictions_aaguids     TEXT NOT NULL,
	user_verification            TEXT NOT NULL,
	revoke_pass_on_first_passkey INTEGER NOT NULL,
	last_modified_at             INTEGER NOT NULL
);

CREATE TABLE lockouts (
	user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL
);
