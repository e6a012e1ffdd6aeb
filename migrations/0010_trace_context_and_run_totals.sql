-- Trace context (W3C Trace Context, OpenTelemetry): each run is one trace,
-- with a span for the run, each phase and each script. Ids are lowercase
-- hex, made when the span starts, so a run exported twice is the same
-- trace. parent_span_id and trace_state: from the TRACEPARENT and
-- TRACESTATE the run was started with. NULL for runs recorded before (their
-- ids are derived from the run when exported).
ALTER TABLE runs ADD COLUMN trace_id TEXT;
ALTER TABLE runs ADD COLUMN span_id TEXT;
ALTER TABLE runs ADD COLUMN parent_span_id TEXT;
ALTER TABLE runs ADD COLUMN trace_state TEXT;
ALTER TABLE phases ADD COLUMN span_id TEXT;
ALTER TABLE scripts ADD COLUMN span_id TEXT;

-- Runs the retention removed, by status: the metrics file's
-- os_refresh_config_runs_total counts them too, so a counter never goes back.
CREATE TABLE pruned_runs (
  status TEXT PRIMARY KEY,
  count INTEGER NOT NULL
) WITHOUT ROWID;
