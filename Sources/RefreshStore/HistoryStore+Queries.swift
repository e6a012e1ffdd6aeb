/// Reading the history.
extension HistoryStore {
  /// The run statuses a filter may name.
  public static let runStatuses = ["running", "success", "failed", "timeout", "interrupted", "abandoned"]
  /// The four phases, in order.
  static let phaseOrder = ["pre-configure", "configure", "post-configure", "migration"]

  private static let summaryColumns = """
    SELECT r.id, r.started_at, r.finished_at, r.duration_us, r.status, r.exit_code, r.base_dir, r.planned_scripts,
      (SELECT count(*) FROM scripts s WHERE s.run_id = r.id AND s.phase != 'error'),
      (SELECT p.name FROM phases p WHERE p.run_id = r.id AND p.status IN ('failed', 'abandoned', 'running')
         AND p.name != 'error' ORDER BY p.position LIMIT 1),
      f.phase, f.name, f.exit_code, f.signal
    FROM runs r
    LEFT JOIN scripts f ON f.id = (
      SELECT s.id FROM scripts s WHERE s.run_id = r.id AND s.phase != 'error' AND s.status != 'success'
      ORDER BY s.id LIMIT 1)
    """

  /// Runs, newest first: at most `limit` (nil for all), of `status` when
  /// given, started at or after `since` (UTC microseconds) when given.
  public func runs(limit: Int?, status: String? = nil, since: Int64? = nil) throws -> [RunSummary] {
    let statement = try database.statement(
      Self.summaryColumns + """

        WHERE (?1 IS NULL OR r.status = ?1) AND (?2 IS NULL OR r.started_at >= ?2)
        ORDER BY r.id DESC LIMIT ?3
        """)
    try statement.bind([
      status.map { .text($0) } ?? .null, since.map { .integer($0) } ?? .null, .integer(Int64(limit ?? -1)),
    ])
    var runs: [RunSummary] = []
    while try statement.step() { runs.append(Self.summary(statement)) }
    return runs
  }

  private static func summary(_ row: Statement) -> RunSummary {
    let failedPhase = row.optionalText(9) ?? row.optionalText(10)
    let failedScript = row.optionalText(11).map { (row.optionalText(10) ?? "") + "/" + $0 }
    return RunSummary(
      id: row.int64(0), startedAt: row.int64(1), finishedAt: row.optionalInt64(2),
      durationMicroseconds: row.optionalInt64(3), status: row.text(4), exitCode: row.optionalInt64(5),
      baseDirectory: row.text(6), plannedScripts: row.int64(7), scriptsRun: row.int64(8), failedPhase: failedPhase,
      failedScript: failedScript, failedExitCode: row.optionalInt64(12), failedSignal: row.optionalInt64(13))
  }

  /// Turns `latest`, `last-success`, `last-failure` or a decimal id into a run id.
  public func resolveRun(_ reference: String) throws -> Int64 {
    let sql: String
    var values: [Statement.Value] = []
    switch reference {
    case "latest": sql = "SELECT max(id) FROM runs"
    case "last-success": sql = "SELECT max(id) FROM runs WHERE status = 'success'"
    case "last-failure":
      sql = "SELECT max(id) FROM runs WHERE status IN ('failed', 'timeout', 'interrupted', 'abandoned')"
    default:
      guard let id = Self.parseRunID(reference) else { throw StoreError.invalidRunReference(reference) }
      sql = "SELECT id FROM runs WHERE id = ?"
      values = [.integer(id)]
    }
    guard let found = try database.firstRow(sql, values, { $0.optionalInt64(0) }), let id = found else {
      throw StoreError.unknownRun(reference)
    }
    return id
  }

  /// A run id: 1 to 18 decimal digits, no sign, no leading zero.
  static func parseRunID(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard (1...18).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes.first != 0x30 else {
      return nil
    }
    return Int64(text)
  }

  /// Everything recorded of run `id`.
  public func run(_ id: Int64) throws -> RunDetail {
    guard let summary = try database.firstRow(Self.summaryColumns + "\nWHERE r.id = ?", [.integer(id)], Self.summary),
      var detail = try database.firstRow(
        "SELECT hostname, pid, version, command_line FROM runs WHERE id = ?", [.integer(id)],
        { row in
          RunDetail(
            summary: summary, hostname: row.text(0), pid: row.int64(1), version: row.text(2),
            commandLine: row.text(3), inputs: [], phases: [])
        })
    else { throw StoreError.unknownRun(String(id)) }

    let inputs = try database.statement(
      "SELECT kind, path, sha256, error FROM run_inputs WHERE run_id = ? ORDER BY kind, position"
    ).bind([.integer(id)])
    while try inputs.step() {
      detail.inputs.append(
        InputSummary(
          kind: inputs.text(0), path: inputs.text(1), sha256: inputs.optionalText(2), error: inputs.optionalText(3)))
    }

    var scriptsByPhase: [String: [ScriptDetail]] = [:]
    for script in try scripts(run: id) { scriptsByPhase[script.phase, default: []].append(script) }
    var recorded: [String: PhaseDetail] = [:]
    let phases = try database.statement(
      "SELECT name, status, started_at, duration_us FROM phases WHERE run_id = ? ORDER BY position"
    ).bind([.integer(id)])
    while try phases.step() {
      let name = phases.text(0)
      recorded[name] = PhaseDetail(
        name: name, status: phases.text(1), startedAt: phases.optionalInt64(2),
        durationMicroseconds: phases.optionalInt64(3), scripts: scriptsByPhase[name] ?? [])
    }
    for name in Self.phaseOrder {
      detail.phases.append(
        recorded[name]
          ?? PhaseDetail(
            name: name,
            status: scriptsByPhase[name] == nil ? "skipped" : summary.status == "running" ? "running" : "abandoned",
            startedAt: nil, durationMicroseconds: nil, scripts: scriptsByPhase[name] ?? []))
    }
    if let error = recorded["error"]
      ?? scriptsByPhase["error"].map({
        PhaseDetail(name: "error", status: "abandoned", startedAt: nil, durationMicroseconds: nil, scripts: $0)
      })
    {
      detail.phases.append(error)
    }
    return detail
  }

  /// The scripts of run `id`, in the order they started.
  public func scripts(run id: Int64) throws -> [ScriptDetail] {
    let statement = try database.statement(
      """
      SELECT id, phase, name, path, position, sha256, status, exit_code, signal, started_at, finished_at,
        duration_us, error, stdout_bytes, stdout_truncated, stderr_bytes, stderr_truncated
      FROM scripts WHERE run_id = ? ORDER BY id
      """
    ).bind([.integer(id)])
    var scripts: [ScriptDetail] = []
    while try statement.step() {
      scripts.append(
        ScriptDetail(
          id: statement.int64(0), phase: statement.text(1), name: statement.text(2), path: statement.text(3),
          position: statement.int64(4), sha256: statement.optionalText(5), status: statement.text(6),
          exitCode: statement.optionalInt64(7), signal: statement.optionalInt64(8), startedAt: statement.int64(9),
          finishedAt: statement.optionalInt64(10), durationMicroseconds: statement.optionalInt64(11),
          error: statement.optionalText(12),
          stdout: StreamSummary(bytes: statement.int64(13), truncated: statement.int64(14) != 0),
          stderr: StreamSummary(bytes: statement.int64(15), truncated: statement.int64(16) != 0)))
    }
    return scripts
  }

  /// The captured bytes of one stream of a script (`stdout` or `stderr`).
  public func output(script id: Int64, stream: String) throws -> CapturedStream {
    let column = stream == "stderr" ? "stderr" : "stdout"
    let sql = """
      SELECT s.\(column)_bytes, s.\(column)_truncated, h.data, t.data FROM scripts s
      LEFT JOIN contents h ON h.id = s.\(column)_head LEFT JOIN contents t ON t.id = s.\(column)_tail
      WHERE s.id = ?
      """
    return try database.firstRow(sql, [.integer(id)]) { row in
      CapturedStream(head: row.blob(2), tail: row.blob(3), totalBytes: row.int64(0), truncated: row.int64(1) != 0)
    } ?? CapturedStream()
  }

  /// Splits `PHASE/NAME` (the name may itself hold slashes only if the
  /// phase does not); both parts must be non-empty.
  public static func parseScriptReference(_ reference: String) throws -> (phase: String, name: String) {
    guard let slash = reference.firstIndex(of: "/"), slash != reference.startIndex,
      reference.index(after: slash) != reference.endIndex
    else { throw StoreError.invalidScriptReference(reference) }
    return (String(reference[..<slash]), String(reference[reference.index(after: slash)...]))
  }

  /// Finds the script `phase/name` of run `id`; the last one when it ran twice.
  public func script(run id: Int64, reference: String) throws -> ScriptDetail {
    let (phase, name) = try Self.parseScriptReference(reference)
    guard let script = try scripts(run: id).last(where: { $0.phase == phase && $0.name == name }) else {
      throw StoreError.unknownScript(run: id, script: reference)
    }
    return script
  }
}
