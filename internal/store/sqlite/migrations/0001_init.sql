-- firstkey schema for SQLite. Times are INTEGER microseconds since the Unix epoch
-- (UTC); booleans are 0/1; lists are JSON text.

CREATE TABLE users (
	id                  TEXT PRIMARY KEY,
	user_principal_name TEXT NOT NULL,
	upn_key             TEXT NOT NULL UNIQUE, -- lower-cased userPrincipalName
	display_name        TEXT NOT NULL,
	given_name          TEXT NOT NULL DEFAULT '',
	surname             TEXT NOT NULL DEFAULT '',
	mail                TEXT NOT NULL DEFAULT '',
	mail_nickname       TEXT NOT NULL DEFAULT '',
	job_title           TEXT NOT NULL DEFAULT '',
	department          TEXT NOT NULL DEFAULT '',
	account_enabled     INTEGER NOT NULL,
	created_at          INTEGER NOT NULL,
	manager_id          TEXT REFERENCES users (id) ON DELETE SET NULL,
	employee_hire_date  INTEGER
);
CREATE INDEX users_manager_id ON users (manager_id);

CREATE TABLE role_assignments (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	PRIMARY KEY (user_id, role)
);

CREATE TABLE groups (
	id            TEXT PRIMARY KEY,
	display_name  TEXT NOT NULL,
	description   TEXT NOT NULL DEFAULT '',
	mail_nickname TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);

CREATE TABLE group_members (
	group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_id ON group_members (user_id);

CREATE TABLE applications (
	id                TEXT PRIMARY KEY,
	client_id         TEXT NOT NULL UNIQUE,
	display_name      TEXT NOT NULL,
	secret_hash       TEXT NOT NULL DEFAULT '',
	public_client     INTEGER NOT NULL,
	redirect_uris     TEXT NOT NULL DEFAULT '[]',
	permissions       TEXT NOT NULL DEFAULT '[]',
	required_strength TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL
);

CREATE TABLE temporary_access_passes (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE, -- one pass per user
	hash             TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	start_at         INTEGER NOT NULL,
	end_at           INTEGER NOT NULL, -- start_at + lifetime, for expiry sweeps
	lifetime_minutes INTEGER NOT NULL,
	usable_once      INTEGER NOT NULL,
	used_at          INTEGER,
	failed_attempts  INTEGER NOT NULL DEFAULT 0,
	created_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX temporary_access_passes_end_at ON temporary_access_passes (end_at);

CREATE TABLE tap_policy (
	id                       INTEGER PRIMARY KEY CHECK (id = 1),
	state                    TEXT NOT NULL,
	include_targets          TEXT NOT NULL,
	exclude_targets          TEXT NOT NULL,
	minimum_lifetime_minutes INTEGER NOT NULL,
	maximum_lifetime_minutes INTEGER NOT NULL,
	default_lifetime_minutes INTEGER NOT NULL,
	default_length           INTEGER NOT NULL,
	usable_once              INTEGER NOT NULL,
	last_modified_at         INTEGER NOT NULL
);

CREATE TABLE audits (
	id                    TEXT PRIMARY KEY,
	activity_at           INTEGER NOT NULL,
	activity_display_name TEXT NOT NULL,
	category              TEXT NOT NULL,
	logged_by_service     TEXT NOT NULL,
	result                TEXT NOT NULL,
	initiator_user_id     TEXT NOT NULL,
	initiator_upn_key     TEXT NOT NULL,
	initiator_app_id      TEXT NOT NULL,
	record                TEXT NOT NULL -- the whole domain.AuditRecord as JSON
);
CREATE INDEX audits_activity_at ON audits (activity_at);
CREATE INDEX audits_initiator_user_id ON audits (initiator_user_id);

CREATE TABLE audit_targets (
	audit_id  TEXT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
	position  INTEGER NOT NULL,
	target_id TEXT NOT NULL,
	upn_key   TEXT NOT NULL,
	PRIMARY KEY (audit_id, position)
);
CREATE INDEX audit_targets_target_id ON audit_targets (target_id);
CREATE INDEX audit_targets_upn_key ON audit_targets (upn_key);

CREATE TABLE sign_ins (
	id                           TEXT PRIMARY KEY,
	created_at                   INTEGER NOT NULL,
	user_id                      TEXT NOT NULL,
	user_principal_name          TEXT NOT NULL,
	upn_key                      TEXT NOT NULL,
	user_display_name            TEXT NOT NULL,
	app_id                       TEXT NOT NULL,
	app_display_name             TEXT NOT NULL,
	ip_address                   TEXT NOT NULL,
	user_agent                   TEXT NOT NULL,
	error_code                   INTEGER NOT NULL,
	failure_reason               TEXT NOT NULL,
	authentication_method        TEXT NOT NULL,
	authentication_method_detail TEXT NOT NULL,
	authentication_requirement   TEXT NOT NULL,
	succeeded                    INTEGER NOT NULL,
	correlation_id               TEXT NOT NULL
);
CREATE INDEX sign_ins_created_at ON sign_ins (created_at);
CREATE INDEX sign_ins_user_id ON sign_ins (user_id);

CREATE TABLE sessions (
	id_hash           TEXT PRIMARY KEY,
	user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	amr               TEXT NOT NULL,
	pass_id           TEXT,
	registration_only INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	last_seen_at      INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL,
	auth_time         INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_pass_id ON sessions (pass_id);

CREATE TABLE signing_keys (
	id                 TEXT PRIMARY KEY,
	algorithm          TEXT NOT NULL,
	private_key_sealed BLOB NOT NULL,
	public_key_jwk     BLOB NOT NULL,
	created_at         INTEGER NOT NULL,
	not_after          INTEGER NOT NULL,
	retire_after       INTEGER NOT NULL
);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
