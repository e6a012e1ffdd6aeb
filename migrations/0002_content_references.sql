-- Retention: each stored content counts the rows that refer to it, so that
-- pruning old runs can delete exactly the contents no kept run refers to
-- without scanning every script.
ALTER TABLE contents ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;

CREATE TEMP TABLE content_references AS
  SELECT id, count(*) AS n FROM (
    SELECT content_id AS id FROM run_inputs WHERE content_id IS NOT NULL
    UNION ALL SELECT content_id FROM scripts WHERE content_id IS NOT NULL
    UNION ALL SELECT stdout_head FROM scripts WHERE stdout_head IS NOT NULL
    UNION ALL SELECT stdout_tail FROM scripts WHERE stdout_tail IS NOT NULL
    UNION ALL SELECT stderr_head FROM scripts WHERE stderr_head IS NOT NULL
    UNION ALL SELECT stderr_tail FROM scripts WHERE stderr_tail IS NOT NULL
  ) GROUP BY id;
CREATE UNIQUE INDEX temp.content_references_id ON content_references (id);
UPDATE contents SET refs = coalesce((SELECT n FROM content_references WHERE content_references.id = contents.id), 0);
DROP TABLE temp.content_references;

-- Runs by status, newest first, for the baseline of `diff` and retention.
CREATE INDEX runs_by_status_id ON runs (status, id DESC);
