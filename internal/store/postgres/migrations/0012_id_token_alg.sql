-- The JWS algorithm of an application's ID tokens (OpenID Connect Dynamic
-- Client Registration's id_token_signed_response_alg): '' for the default,
-- RS256, which every relying party accepts, or ES256 for one that asked for it.
-- Access tokens are ES256 whatever this says.
ALTER TABLE applications ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';
