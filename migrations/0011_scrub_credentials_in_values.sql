-- Credentials inside metadata values whose names say nothing (a URL's
-- password, a signed URL's signature, a PEM private key, a secret repeated
-- inside another value) were stored as they came. Mark the scrub pending
-- again, so the first refresh after this upgrade rewrites the stored
-- metadata under today's policy (RunHistory's SecretScrub).
CREATE TABLE IF NOT EXISTS secrets_scrub_pending (since INTEGER NOT NULL);
INSERT INTO secrets_scrub_pending (since) SELECT 11 WHERE NOT EXISTS (SELECT 1 FROM secrets_scrub_pending);
