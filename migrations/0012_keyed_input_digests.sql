-- Input digests were stored in one column whether they were the file's
-- SHA-256 or a keyed HMAC-SHA-256 (content that may hold secrets), and shown
-- as "sha256" either way. Keyed ones now carry the prefix 'hmac-sha256:'.
-- For rows recorded before, the kind is read off what was kept: an
-- environment.d file, or a config file whose content was not kept (not
-- JSON, too large), had a keyed digest; so did a config file kept with its
-- secrets masked, which only its content tells: reading every stored file
-- here would hold a refresh's first script back on a large history, so
-- those rows are told by the scrub, run by run after a run's end (0015,
-- RunHistory's SecretScrub), marked pending here. Runs recorded with
-- --store-secrets had plain digests throughout and are not told apart.
UPDATE run_inputs SET sha256 = 'hmac-sha256:' || sha256
WHERE sha256 IS NOT NULL AND sha256 NOT LIKE 'hmac-sha256:%' AND (
  kind = 'environment' OR (content_id IS NULL AND chunked = 0)
);
CREATE TABLE IF NOT EXISTS secrets_scrub_pending (since INTEGER NOT NULL);
INSERT INTO secrets_scrub_pending (since) SELECT 12 WHERE NOT EXISTS (SELECT 1 FROM secrets_scrub_pending);
