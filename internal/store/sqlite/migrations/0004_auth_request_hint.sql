-- What an authorization request's id_token_hint and acr_values say (OpenID
-- Connect Core §3.1.2.1): the user it is about, so that a sign-in by someone
-- else is not taken for theirs, and the strength it asks for.
ALTER TABLE auth_requests ADD COLUMN hint_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_requests ADD COLUMN requested_strength TEXT NOT NULL DEFAULT '';
