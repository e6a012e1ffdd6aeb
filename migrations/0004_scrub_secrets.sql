-- Metadata recorded before secrets were stored as keyed digests may hold
-- them in clear, and command lines may hold --redact patterns. The first
-- refresh after this upgrade rewrites both under the secret policy, in code
-- (RunHistory's SecretScrub: the policy is not SQL), with secure_delete on,
-- and then drops this table.
CREATE TABLE secrets_scrub_pending (since INTEGER NOT NULL);
INSERT INTO secrets_scrub_pending (since) VALUES (0);
