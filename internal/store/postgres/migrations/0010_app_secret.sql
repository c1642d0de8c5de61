-- What Graph's passwordCredentials show of an application's client secret: its
-- key id, first characters, name and start; never the secret. Secrets made
-- before this have none, and are listed under a key id derived from the
-- application's id.
ALTER TABLE applications ADD COLUMN secret_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN secret_hint TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN secret_display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN secret_created_at TIMESTAMPTZ;
