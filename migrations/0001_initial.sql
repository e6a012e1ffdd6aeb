-- The run history: every refresh, its phases and scripts, its inputs, and
-- the contents it saw, each distinct content stored once.
-- Times are UTC microseconds since the Unix epoch; durations microseconds.

-- Contents (scripts, captured output, Heat metadata), keyed by SHA-256.
CREATE TABLE contents (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  data BLOB NOT NULL
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_us INTEGER,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'success', 'failed', 'timeout', 'interrupted', 'abandoned')),
  exit_code INTEGER,
  base_dir TEXT NOT NULL,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  -- Identify the process beyond its pid: the boot and its start time in
  -- clock ticks, so a reused pid or a reboot is never taken for the run.
  boot_id TEXT NOT NULL,
  process_start INTEGER NOT NULL,
  version TEXT NOT NULL,
  command_line TEXT NOT NULL,
  planned_scripts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_status ON runs (status, id);
CREATE INDEX runs_by_start ON runs (started_at);

-- OS_CONFIG_FILES files ('config', content kept) and environment.d files ('environment').
CREATE TABLE run_inputs (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('config', 'environment')),
  position INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT,
  content_id INTEGER REFERENCES contents (id),
  error TEXT,
  PRIMARY KEY (run_id, kind, position)
) WITHOUT ROWID;

CREATE TABLE phases (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL
    CHECK (name IN ('pre-configure', 'configure', 'post-configure', 'migration', 'error')),
  position INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'success', 'failed', 'skipped', 'absent', 'abandoned')),
  started_at INTEGER,
  finished_at INTEGER,
  duration_us INTEGER,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

CREATE TABLE scripts (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  position INTEGER NOT NULL,
  sha256 TEXT,
  content_id INTEGER REFERENCES contents (id),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_us INTEGER,
  exit_code INTEGER,
  signal INTEGER,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'success', 'failed', 'killed', 'timeout', 'interrupted', 'abandoned')),
  error TEXT,
  stdout_bytes INTEGER NOT NULL DEFAULT 0,
  stdout_truncated INTEGER NOT NULL DEFAULT 0,
  stdout_head INTEGER REFERENCES contents (id),
  stdout_tail INTEGER REFERENCES contents (id),
  stderr_bytes INTEGER NOT NULL DEFAULT 0,
  stderr_truncated INTEGER NOT NULL DEFAULT 0,
  stderr_head INTEGER REFERENCES contents (id),
  stderr_tail INTEGER REFERENCES contents (id)
);
CREATE INDEX scripts_by_run ON scripts (run_id, id);
CREATE INDEX scripts_by_name ON scripts (phase, name, run_id);
