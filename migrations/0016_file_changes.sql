-- What a refresh did to the node's files (docs/changes.md).
--
-- How each run watched: the method, the watched roots (a JSON array), and
-- whether the record is complete; when it is not, why (one line) and how
-- many changes went unrecorded when that is known.
CREATE TABLE file_watches (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  method TEXT NOT NULL CHECK (method IN ('fanotify', 'scan')),
  paths TEXT NOT NULL,
  complete INTEGER NOT NULL DEFAULT 1,
  incomplete_reason TEXT,
  changes_lost INTEGER
);

-- Every recorded version of a watched path: the baseline when watching
-- began, changes found at a run's start (made outside any refresh) and
-- changes made during it, attributed to the phase and script that ran.
-- The state is the file's after the change (for a deletion, its last).
-- sha256 is the plain digest of a file that held no secret, else its
-- keyed digest (hmac-sha256:…, under the database's key); content is
-- stored with secrets masked, never for a secret file.
CREATE TABLE file_changes (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('created', 'modified', 'deleted', 'renamed', 'metadata')),
  renamed_from TEXT,
  found TEXT NOT NULL CHECK (found IN ('baseline', 'before_run', 'during_run')),
  phase TEXT,
  script TEXT,
  by_refresh INTEGER NOT NULL,
  -- When the change was seen, UTC microseconds.
  seen_at INTEGER NOT NULL,
  file_kind TEXT NOT NULL,
  size INTEGER,
  mode INTEGER,
  owner INTEGER,
  grp INTEGER,
  mtime_ns INTEGER,
  sha256 TEXT,
  content_id INTEGER REFERENCES contents (id),
  secret INTEGER NOT NULL DEFAULT 0,
  binary INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
CREATE INDEX file_changes_by_run ON file_changes (run_id, id);
CREATE INDEX file_changes_by_path ON file_changes (path, id);
-- A path renamed away has no row of its own after the rename: this finds it.
CREATE INDEX file_changes_by_old_path ON file_changes (renamed_from, id) WHERE renamed_from IS NOT NULL;

-- The watched paths as last recorded, what the next run's start compares
-- with to find changes made between refreshes. Its content reference is
-- counted in contents.refs, so the last recorded text of a file outlives
-- the run that recorded it.
CREATE TABLE file_state (
  path TEXT PRIMARY KEY,
  file_kind TEXT NOT NULL,
  device INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  mode INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  sha256 TEXT,
  content_id INTEGER REFERENCES contents (id),
  secret INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
