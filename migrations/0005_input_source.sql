-- Where each metadata file's name came from: OS_CONFIG_FILES, the list
-- os-collect-config leaves in os_config_files.json (when os-refresh-config
-- is run by hand without OS_CONFIG_FILES), or os-apply-config's fallback
-- metadata. NULL for environment.d files and runs recorded before.
ALTER TABLE run_inputs ADD COLUMN source TEXT;
