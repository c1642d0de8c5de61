-- The user an authorization request's id_token_hint names, so that a sign-in
-- by someone else is not taken for theirs (OpenID Connect Core §3.1.2.1).
ALTER TABLE auth_requests ADD COLUMN hint_subject TEXT NOT NULL DEFAULT '';
