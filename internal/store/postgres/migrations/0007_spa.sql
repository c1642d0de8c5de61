-- Graph's spa platform: a single-page application's redirect URIs, and the
-- origins they allow to call the token endpoints from a browser (CORS), kept
-- apart so that a request's Origin is found by its index.
ALTER TABLE applications ADD COLUMN spa_redirect_uris JSONB NOT NULL DEFAULT '[]';

CREATE TABLE application_spa_origins (
	origin         TEXT NOT NULL,
	application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	PRIMARY KEY (origin, application_id)
);
CREATE INDEX application_spa_origins_application ON application_spa_origins (application_id);
