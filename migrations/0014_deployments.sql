-- Heat SoftwareDeployments a run's scripts ran (heat-config's 55-heat-config):
-- one row for each `<id>.notify.json` written under the deployed directory
-- while a script ran, with what `<id>.json` says of the deployment. heat-config
-- exits 0 whatever its hooks did, so this is where a failed deployment shows.
CREATE TABLE deployments (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  -- The script that ran it, as the scripts table names it.
  phase TEXT NOT NULL,
  script TEXT NOT NULL,
  -- The deployment's stable identity (its id changes with every input).
  name TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  grp TEXT,
  action TEXT,
  -- deploy_status_code as signalled to Heat; 0 when the hook succeeded.
  status_code INTEGER NOT NULL,
  -- When heat-config wrote the signal data (the file's mtime), UTC microseconds.
  signalled_at INTEGER NOT NULL,
  -- The last bytes of deploy_stdout and deploy_stderr, secrets hidden as script output is.
  stdout BLOB NOT NULL,
  stderr BLOB NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
CREATE INDEX deployments_by_name ON deployments (name, run_id);
