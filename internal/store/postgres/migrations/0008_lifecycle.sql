-- Leavers: when a user's leave date passes, firstkey disables the account,
-- deletes their passes and ends their sessions. The partial index finds the
-- enabled accounts whose date has come without scanning everyone.
ALTER TABLE users ADD COLUMN employee_leave_at TIMESTAMPTZ;
CREATE INDEX users_leaving ON users (employee_leave_at) WHERE employee_leave_at IS NOT NULL AND account_enabled;

-- Recovery passes: the first passkey registered with one replaces the passkeys
-- its holder lost.
ALTER TABLE temporary_access_passes ADD COLUMN recovery BOOLEAN NOT NULL DEFAULT FALSE;
