-- Makes a history of the previous schema as large as a busy node's: every
-- run copied once for each n in temp.copies (made by the caller), each copy
-- with metadata files of its own (whole contents copied under new ids), as
-- a node whose metadata changes every refresh has; the chunks of large
-- files are shared, as chunks a change leaves alone are. Only the tables
-- of schema 10 are written, so what it makes is what the previous release
-- could have written.
CREATE TEMP TABLE bounds AS SELECT
  (SELECT max(id) FROM runs) AS runs, (SELECT max(id) FROM scripts) AS scripts,
  (SELECT max(id) FROM contents) AS contents;
CREATE TEMP TABLE input_contents AS SELECT content_id AS id FROM run_inputs WHERE content_id IS NOT NULL;

CREATE TEMP TABLE copy AS SELECT c.*, n FROM main.contents c, temp.copies WHERE c.id IN temp.input_contents;
UPDATE temp.copy SET id = id + n * (SELECT contents FROM bounds), sha256 = sha256 || '-' || n;
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.contents SELECT * FROM temp.copy;
DROP TABLE temp.copy;

CREATE TEMP TABLE copy AS SELECT r.*, n FROM main.runs r, temp.copies;
UPDATE temp.copy SET id = id + n * (SELECT runs FROM bounds), started_at = started_at + n * 60000000,
  finished_at = finished_at + n * 60000000;
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.runs SELECT * FROM temp.copy;
DROP TABLE temp.copy;

CREATE TEMP TABLE copy AS SELECT s.*, n FROM main.scripts s, temp.copies;
UPDATE temp.copy SET id = id + n * (SELECT scripts FROM bounds), run_id = run_id + n * (SELECT runs FROM bounds);
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.scripts SELECT * FROM temp.copy;
DROP TABLE temp.copy;

CREATE TEMP TABLE copy AS SELECT p.*, n FROM main.phases p, temp.copies;
UPDATE temp.copy SET run_id = run_id + n * (SELECT runs FROM bounds);
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.phases SELECT * FROM temp.copy;
DROP TABLE temp.copy;

CREATE TEMP TABLE copy AS SELECT i.*, n FROM main.run_inputs i, temp.copies;
UPDATE temp.copy SET run_id = run_id + n * (SELECT runs FROM bounds),
  content_id = content_id + n * (SELECT contents FROM bounds);
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.run_inputs SELECT * FROM temp.copy;
DROP TABLE temp.copy;

CREATE TEMP TABLE copy AS SELECT i.*, n FROM main.input_chunks i, temp.copies;
UPDATE temp.copy SET run_id = run_id + n * (SELECT runs FROM bounds);
ALTER TABLE temp.copy DROP COLUMN n;
INSERT INTO main.input_chunks SELECT * FROM temp.copy;
DROP TABLE temp.copy;

-- Each content counts the rows that refer to it, as migration 0002 counts them.
CREATE TEMP TABLE counted AS SELECT id, count(*) AS n FROM (
  SELECT content_id AS id FROM run_inputs WHERE content_id IS NOT NULL
  UNION ALL SELECT content_id FROM input_chunks
  UNION ALL SELECT content_id FROM scripts WHERE content_id IS NOT NULL
  UNION ALL SELECT stdout_head FROM scripts WHERE stdout_head IS NOT NULL
  UNION ALL SELECT stdout_tail FROM scripts WHERE stdout_tail IS NOT NULL
  UNION ALL SELECT stderr_head FROM scripts WHERE stderr_head IS NOT NULL
  UNION ALL SELECT stderr_tail FROM scripts WHERE stderr_tail IS NOT NULL
) GROUP BY id;
CREATE UNIQUE INDEX temp.counted_id ON counted (id);
UPDATE contents SET refs = coalesce((SELECT n FROM temp.counted WHERE counted.id = contents.id), 0);
DROP TABLE temp.counted;
DROP TABLE temp.bounds;
DROP TABLE temp.input_contents;
