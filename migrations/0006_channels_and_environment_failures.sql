-- How a script's stdout and stderr were connected. output_combined: one
-- channel carried both (our own stdout and stderr were one file, socket or
-- terminal), and all of it is kept as stdout, in the order written.
-- output_terminal: the script wrote to a pseudo-terminal. 0 for runs
-- recorded before.
ALTER TABLE scripts ADD COLUMN output_combined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scripts ADD COLUMN output_terminal INTEGER NOT NULL DEFAULT 0;

-- An environment.d file that failed while it was sourced for a phase: its
-- path (NULL when the shell failed before the first file), its exit status
-- or signal, and the last 16 KiB its shell wrote to stderr (both streams
-- when combined), secrets hidden as in scripts' output.
ALTER TABLE phases ADD COLUMN environment_file TEXT;
ALTER TABLE phases ADD COLUMN environment_exit_code INTEGER;
ALTER TABLE phases ADD COLUMN environment_signal INTEGER;
ALTER TABLE phases ADD COLUMN environment_output BLOB;
ALTER TABLE phases ADD COLUMN environment_output_combined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE phases ADD COLUMN environment_failed INTEGER NOT NULL DEFAULT 0;
