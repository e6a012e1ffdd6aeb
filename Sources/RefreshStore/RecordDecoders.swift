import RefreshVocabulary

// One decoder per record type: the columns each SELECT names, in that order,
// are read here and nowhere else.

extension RunSummary {
  /// The columns ``init(row:)`` reads, from `runs r` and the failed script `f`.
  static let columns = """
    SELECT r.id, r.started_at, r.finished_at, r.duration_us, r.status, r.exit_code, r.base_dir, r.planned_scripts,
      (SELECT count(*) FROM scripts s WHERE s.run_id = r.id AND s.phase != :error),
      (SELECT p.name FROM phases p WHERE p.run_id = r.id AND p.status IN (:failed, :abandoned)
         AND p.name != :error ORDER BY p.position LIMIT 1),
      f.phase, f.name, f.exit_code, f.signal,
      e.name, e.environment_file, e.environment_exit_code, e.environment_signal,
      (SELECT count(*) FROM deployments d WHERE d.run_id = r.id AND d.status_code != 0),
      (SELECT d.name FROM deployments d WHERE d.run_id = r.id AND d.status_code != 0 ORDER BY d.position DESC LIMIT 1)
    FROM runs r
    LEFT JOIN scripts f ON f.id = (
      SELECT s.id FROM scripts s WHERE s.run_id = r.id AND s.phase != :error
        AND s.status NOT IN (:success, :running)
      ORDER BY s.id LIMIT 1)
    LEFT JOIN phases e ON e.run_id = r.id AND e.name = (
      SELECT p.name FROM phases p WHERE p.run_id = r.id AND p.environment_failed = 1 AND p.name != :error
      ORDER BY p.position LIMIT 1)
    """

  /// The values of the named parameters of ``columns``.
  static let columnParameters: [(String, Statement.Value)] = [
    (":error", .word(Phase.error)), (":failed", .word(PhaseStatus.failed)),
    (":abandoned", .word(PhaseStatus.abandoned)), (":running", .word(ScriptStatus.running)),
    (":success", .word(ScriptStatus.success)),
  ]

  /// A run's summary. When no script failed but sourcing environment.d did,
  /// the failed "script" is that file, as `environment.d/NAME`.
  init(row: Statement) throws(SQLiteError) {
    var failed = (
      phase: try row.optionalWord(10, as: Phase.self), name: row.optionalText(11), exitCode: row.optionalInt64(12),
      signal: row.optionalInt64(13)
    )
    if failed.name == nil, let environmentPhase = try row.optionalWord(14, as: Phase.self) {
      let file = row.optionalText(15).map { "environment.d/" + ($0.split(separator: "/").last.map(String.init) ?? $0) }
      failed = (environmentPhase, file ?? "environment.d", row.optionalInt64(16), row.optionalInt64(17))
    }
    self.init(
      id: row.int64(0), startedAt: row.int64(1), finishedAt: row.optionalInt64(2),
      durationMicroseconds: row.optionalInt64(3), status: try row.word(4), exitCode: row.optionalInt64(5),
      baseDirectory: row.text(6), plannedScripts: row.int64(7), scriptsRun: row.int64(8),
      failedPhase: try row.optionalWord(9, as: Phase.self) ?? failed.phase, failedScriptPhase: failed.phase,
      failedScript: failed.name, failedExitCode: failed.exitCode, failedSignal: failed.signal)
    (deploymentsFailed, failedDeployment) = (row.int64(18), row.optionalText(19))
  }
}

extension DeploymentRecord {
  /// The columns ``init(row:)`` reads, from `deployments`.
  static let columns = """
    SELECT phase, script, name, deployment_id, grp, action, status_code, signalled_at, stdout, stderr
    FROM deployments
    """

  init(row: Statement) throws(SQLiteError) {
    self.init(
      phase: try row.word(0), script: row.text(1), name: row.text(2), deploymentID: row.text(3),
      group: row.optionalText(4), action: row.optionalText(5), statusCode: row.int64(6), signalledAt: row.int64(7),
      stdout: row.blob(8), stderr: row.blob(9))
  }
}

extension ScriptDetail {
  /// The columns ``init(row:)`` reads, from `scripts`.
  static let columns = """
    SELECT id, phase, name, path, position, sha256, status, exit_code, signal, started_at, finished_at,
      duration_us, error, stdout_bytes, stdout_truncated, stderr_bytes, stderr_truncated, output_combined,
      output_terminal, span_id
    FROM scripts
    """

  init(row: Statement) throws(SQLiteError) {
    self.init(
      id: row.int64(0), phase: try row.word(1), name: row.text(2), path: row.text(3), position: row.int64(4),
      sha256: row.optionalText(5), status: try row.word(6), exitCode: row.optionalInt64(7),
      signal: row.optionalInt64(8), startedAt: row.int64(9), finishedAt: row.optionalInt64(10),
      durationMicroseconds: row.optionalInt64(11), error: row.optionalText(12),
      stdout: StreamSummary(bytes: row.int64(13), truncated: row.int64(14) != 0),
      stderr: StreamSummary(bytes: row.int64(15), truncated: row.int64(16) != 0), combinedOutput: row.int64(17) != 0,
      terminal: row.int64(18) != 0, spanID: row.optionalText(19).flatMap { SpanID(hex: $0) })
  }
}

extension PhaseDetail {
  /// The columns ``init(row:scripts:)`` reads, from `phases`.
  static let columns = """
    SELECT name, status, started_at, duration_us, environment_failed, environment_file, environment_exit_code,
      environment_signal, environment_output, environment_output_combined, span_id
    FROM phases
    """

  init(row: Statement, scripts: [Phase: [ScriptDetail]]) throws(SQLiteError) {
    let name: Phase = try row.word(0)
    let failure =
      row.int64(4) == 0
      ? nil
      : EnvironmentFailureRecord(
        file: row.optionalText(5), exitCode: row.optionalInt64(6), signal: row.optionalInt64(7),
        output: row.isNull(8) ? [] : row.blob(8), combinedOutput: row.int64(9) != 0)
    self.init(
      name: name, status: try row.word(1), startedAt: row.optionalInt64(2), durationMicroseconds: row.optionalInt64(3),
      scripts: scripts[name] ?? [], environmentFailure: failure,
      spanID: row.optionalText(10).flatMap { SpanID(hex: $0) })
  }
}

extension InputSummary {
  /// The columns ``init(row:)`` reads, from `run_inputs`.
  static let columns = "SELECT kind, path, sha256, error, source FROM run_inputs"

  init(row: Statement) throws(SQLiteError) {
    self.init(
      kind: try row.word(0), path: row.text(1), sha256: row.optionalText(2), error: row.optionalText(3),
      source: row.optionalText(4))
  }
}

extension StoredInput {
  /// The columns ``init(row:)`` reads, from `run_inputs i` and `contents c`.
  static let columns = """
    SELECT i.kind, i.path, i.sha256, c.data, i.content_id, i.chunked, i.position, i.source FROM run_inputs i
    LEFT JOIN contents c ON c.id = i.content_id
    """

  init(row: Statement) throws(SQLiteError) {
    self.init(
      kind: try row.word(0), path: row.text(1), sha256: row.optionalText(2), content: row.isNull(4) ? nil : row.blob(3))
    source = row.optionalText(7)
  }
}

extension TimelineEntry {
  /// The columns ``init(row:)`` reads, from `scripts`.
  static let columns = "SELECT run_id, started_at, status, exit_code, signal, duration_us, sha256 FROM scripts"

  init(row: Statement) throws(SQLiteError) {
    self.init(
      runID: row.int64(0), startedAt: row.int64(1), status: try row.word(2), exitCode: row.optionalInt64(3),
      signal: row.optionalInt64(4), durationMicroseconds: row.optionalInt64(5), sha256: row.optionalText(6))
  }
}
