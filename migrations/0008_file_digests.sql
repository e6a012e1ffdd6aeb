-- Hashing once: the SHA-256 of each script as last read, with the file's
-- identity then (device, inode, size, and modification and change times in
-- nanoseconds). A script whose identity has not changed is not read or
-- hashed again; its stored content is found by its digest.
CREATE TABLE file_digests (
  path TEXT PRIMARY KEY,
  device INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  sha256 TEXT NOT NULL
) WITHOUT ROWID;
