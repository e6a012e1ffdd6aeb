-- The vocabulary checks as comparisons instead of IN lists (docs/history.md,
-- "Schema"). SQLite compiles `CHECK (x IN ('a', 'b', …))` into an ephemeral
-- index that it builds again for every row it inserts (and every update of
-- x): a file change, with two such checks, spent 13 µs in them, a third of
-- what recording it costs. `x = 'a' OR x = 'b' …` allows exactly the same
-- values, and costs nothing.
--
-- A CHECK is not stored in the rows, so the tables' definitions are edited
-- in place, SQLite's documented way of changing a constraint without
-- rebuilding the table (https://sqlite.org/lang_altertable.html#otheralter):
-- every row already satisfies the new checks, which allow the same values.
-- The migrator then moves the schema's version on, so that every
-- connection reads the definitions again (Sources/RefreshStore/Migrator.swift).
PRAGMA writable_schema = ON;

UPDATE sqlite_master SET sql = replace(sql,
    'CHECK (status IN (''running'', ''success'', ''failed'', ''timeout'', ''interrupted'', ''abandoned''))',
    'CHECK (status = ''running'' OR status = ''success'' OR status = ''failed'' OR status = ''timeout'' OR status = ''interrupted'' OR status = ''abandoned'')')
  WHERE type = 'table' AND name = 'runs';

UPDATE sqlite_master SET sql = replace(replace(sql,
    'CHECK (name IN (''pre-configure'', ''configure'', ''post-configure'', ''migration'', ''error''))',
    'CHECK (name = ''pre-configure'' OR name = ''configure'' OR name = ''post-configure'' OR name = ''migration'' OR name = ''error'')'),
    'CHECK (status IN (''running'', ''success'', ''failed'', ''skipped'', ''absent'', ''abandoned''))',
    'CHECK (status = ''running'' OR status = ''success'' OR status = ''failed'' OR status = ''skipped'' OR status = ''absent'' OR status = ''abandoned'')')
  WHERE type = 'table' AND name = 'phases';

UPDATE sqlite_master SET sql = replace(sql,
    'CHECK (status IN (''running'', ''success'', ''failed'', ''killed'', ''timeout'', ''interrupted'', ''abandoned''))',
    'CHECK (status = ''running'' OR status = ''success'' OR status = ''failed'' OR status = ''killed'' OR status = ''timeout'' OR status = ''interrupted'' OR status = ''abandoned'')')
  WHERE type = 'table' AND name = 'scripts';

UPDATE sqlite_master SET sql = replace(sql,
    'CHECK (kind IN (''config'', ''environment'', ''template''))',
    'CHECK (kind = ''config'' OR kind = ''environment'' OR kind = ''template'')')
  WHERE type = 'table' AND name = 'run_inputs';

UPDATE sqlite_master SET sql = replace(sql,
    'CHECK (method IN (''fanotify'', ''scan''))',
    'CHECK (method = ''fanotify'' OR method = ''scan'')')
  WHERE type = 'table' AND name = 'file_watches';

UPDATE sqlite_master SET sql = replace(replace(sql,
    'CHECK (change IN (''created'', ''modified'', ''deleted'', ''renamed'', ''metadata''))',
    'CHECK (change = ''created'' OR change = ''modified'' OR change = ''deleted'' OR change = ''renamed'' OR change = ''metadata'')'),
    'CHECK (found IN (''baseline'', ''before_run'', ''during_run''))',
    'CHECK (found = ''baseline'' OR found = ''before_run'' OR found = ''during_run'')')
  WHERE type = 'table' AND name = 'file_changes';

PRAGMA writable_schema = OFF;
