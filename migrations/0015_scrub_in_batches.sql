-- The scrub of secrets an earlier version stored in clear ran whole, in one
-- transaction, before a refresh's first script: minutes on a large history
-- (each freed content checked against every script by its foreign keys).
-- It now runs run by run, in short batches after a run's end (and in
-- `history migrate`), resumable: this row says where it stands, and is
-- deleted when it is done. A history with no run has nothing to scrub.
CREATE TABLE scrub_progress (
  -- The first run not rewritten yet.
  next_run INTEGER NOT NULL,
  -- The newest run recorded before the upgrade; later runs are clean.
  last_run INTEGER NOT NULL,
  -- How many runs were to be rewritten, for the progress shown.
  total_runs INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets_scrub_pending (since INTEGER NOT NULL);
-- (No HAVING without GROUP BY: Debian 11's SQLite, 3.34, refuses it.)
INSERT INTO scrub_progress (next_run, last_run, total_runs)
  SELECT 0, (SELECT max(id) FROM runs), (SELECT count(*) FROM runs)
  WHERE EXISTS (SELECT 1 FROM secrets_scrub_pending) AND EXISTS (SELECT 1 FROM runs);
DROP TABLE secrets_scrub_pending;
