-- What `why` needs of a run beyond its inputs and scripts.
--
-- os-apply-config templates as an input (kind 'template'): one row per run,
-- its path the templates root the run was given, its content a list of each
-- template's SHA-256, path and the metadata keys its mustache tags name
-- (never the template itself), its sha256 that list's. SQLite cannot change
-- a CHECK constraint in place, so the table is rebuilt with every row kept.
CREATE TABLE run_inputs_with_templates (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('config', 'environment', 'template')),
  position INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT,
  content_id INTEGER REFERENCES contents (id),
  error TEXT,
  source TEXT,
  chunked INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, kind, position)
) WITHOUT ROWID;
INSERT INTO run_inputs_with_templates (run_id, kind, position, path, sha256, content_id, error, source, chunked)
  SELECT run_id, kind, position, path, sha256, content_id, error, source, chunked FROM run_inputs;
DROP TABLE run_inputs;
ALTER TABLE run_inputs_with_templates RENAME TO run_inputs;

-- The kernel release the run ran under (uname -r); NULL for runs recorded
-- before. With boot_id, `why` tells a reboot and a new kernel between runs.
ALTER TABLE runs ADD COLUMN kernel TEXT;
