-- Every run sealed into a forward-secure chain (docs/history.md, "Sealed
-- runs").
--
-- A run's seal, made when it ended (or was marked abandoned): its position
-- in the chain (0 for the first run sealed, then one more for each), the
-- digest of its record in the canonical encoding `format`, the chain value
-- (SHA-256 of the previous run's chain value and this digest) and the MAC
-- of the chain value under the key of its position, a key that evolves one
-- way after every run. No foreign key: a deleted run leaves its seal, a
-- deleted seal leaves its run, and `history verify` names either.
CREATE TABLE run_seals (
  run_id INTEGER PRIMARY KEY,
  position INTEGER NOT NULL UNIQUE,
  format INTEGER NOT NULL,
  record_sha256 TEXT NOT NULL,
  chain TEXT NOT NULL,
  mac TEXT NOT NULL,
  sealed_at INTEGER NOT NULL
);

-- Where sealing stands: runs before `first_run` were recorded before
-- sealing; `next_position` is the position the next seal takes (the key
-- file must be at it); when the initial verification key was made and
-- when `history seal-key` showed it (then it left the node).
CREATE TABLE seal_state (
  only INTEGER PRIMARY KEY CHECK (only = 1),
  first_run INTEGER NOT NULL,
  next_position INTEGER NOT NULL DEFAULT 0,
  key_created_at INTEGER,
  key_shown_at INTEGER
);
INSERT INTO seal_state (only, first_run) SELECT 1, coalesce(max(id), 0) + 1 FROM runs;

-- What retention removed from the chain: for each stretch of sealed runs
-- a prune deleted, the last one's position, id, chain value and MAC, so the
-- chain is checked across the gap. A prune is sealed too: `sealed_by` is
-- the position of the next run sealed, whose record holds the gaps it
-- brought; NULL until then. Deleted once no kept run follows it and the
-- run that sealed it is gone too.
CREATE TABLE seal_gaps (
  last_position INTEGER PRIMARY KEY,
  last_run INTEGER NOT NULL,
  chain TEXT NOT NULL,
  mac TEXT NOT NULL,
  pruned_at INTEGER NOT NULL,
  sealed_by INTEGER
);
