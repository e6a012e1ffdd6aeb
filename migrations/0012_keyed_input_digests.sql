-- Input digests were stored in one column whether they were the file's
-- SHA-256 or a keyed HMAC-SHA-256 (content that may hold secrets), and shown
-- as "sha256" either way. Keyed ones now carry the prefix 'hmac-sha256:'.
-- For rows recorded before, the kind is read off what was kept: an
-- environment.d file, or a config file whose content was not kept whole
-- (not JSON, too large) or was kept with secrets masked, had a keyed digest;
-- the others (JSON kept as it was) their SHA-256. Runs recorded with
-- --store-secrets had plain digests throughout and are not told apart.
UPDATE run_inputs SET sha256 = 'hmac-sha256:' || sha256
WHERE sha256 IS NOT NULL AND sha256 NOT LIKE 'hmac-sha256:%' AND (
  kind = 'environment'
  OR (content_id IS NULL AND chunked = 0)
  OR content_id IN (SELECT id FROM contents WHERE instr(CAST(data AS TEXT), '<secret:hmac-sha256:') > 0)
  OR (chunked = 1 AND EXISTS (
    SELECT 1 FROM input_chunks i JOIN contents c ON c.id = i.content_id
    WHERE i.run_id = run_inputs.run_id AND i.kind = run_inputs.kind AND i.position = run_inputs.position
      AND instr(CAST(c.data AS TEXT), '<secret:hmac-sha256:') > 0))
);
