-- Script records reach the database through the pending log
-- (PATH-pending): each record carries a sequence number within its run.
-- logged_through: the highest applied, so a killed run's log is applied
-- once, by whoever opens the database next. log_seq: a script's start
-- record, which its end record names.
ALTER TABLE runs ADD COLUMN logged_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scripts ADD COLUMN log_seq INTEGER;
