-- Large inputs (64 KiB or more: Heat metadata) stored as content-defined
-- chunks, each a content stored once by its SHA-256, so a run whose metadata
-- changed in one key adds a chunk or two, not the whole file again.
-- run_inputs.chunked = 1: the content is the chunks in seq order (its
-- content_id is NULL); the SHA-256 of their concatenation is the input's.
ALTER TABLE run_inputs ADD COLUMN chunked INTEGER NOT NULL DEFAULT 0;
CREATE TABLE input_chunks (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  position INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  content_id INTEGER NOT NULL REFERENCES contents (id),
  PRIMARY KEY (run_id, kind, position, seq)
) WITHOUT ROWID;
