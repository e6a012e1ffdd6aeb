import ContentEncoding
import RefreshVocabulary

/// Reading the history: runs, their phases, scripts and captured output.
public struct HistoryQueries {
  let database: Database

  /// The condition of a run that ran scripts: a run that found none (a
  /// mistyped or missing base directory) succeeds as the reference does,
  /// but is never the last success that `diff` and `why` compare against.
  static let ranScripts = "planned_scripts > 0"

  /// Runs, newest first: at most `limit` (nil for all), of `status` when
  /// given, started at or after `since` (UTC microseconds) when given.
  public func runs(limit: Int?, status: RunStatus? = nil, since: Int64? = nil) throws -> [RunSummary] {
    try database.rows(
      RunSummary.columns + """

        WHERE (:status IS NULL OR r.status = :status) AND (:since IS NULL OR r.started_at >= :since)
        ORDER BY r.id DESC LIMIT :limit
        """,
      named: RunSummary.columnParameters + [
        (":status", status.map { .word($0) } ?? .null), (":since", .integer(orNull: since)),
        (":limit", .integer(Int64(limit ?? -1))),
      ], RunSummary.init(row:))
  }

  /// Turns `latest`, `last-success`, `last-failure` or a decimal id into a run id.
  public func resolveRun(_ reference: RunReference) throws -> Int64 {
    let sql: String
    var values: [Statement.Value] = []
    switch reference {
    case .latest: sql = "SELECT max(id) FROM runs"
    case .lastSuccess:
      sql = "SELECT max(id) FROM runs WHERE status = ? AND \(Self.ranScripts)"
      values = [.word(RunStatus.success)]
    case .lastFailure:
      sql = "SELECT max(id) FROM runs WHERE status IN (\(SQLList.placeholders(RunStatus.failures.count)))"
      values = SQLList.values(RunStatus.failures)
    case .id(let id):
      sql = "SELECT id FROM runs WHERE id = ?"
      values = [.integer(id)]
    }
    guard let found = try database.firstRow(sql, values, { $0.optionalInt64(0) }), let id = found else {
      throw StoreError.unknownRun(reference.description)
    }
    return id
  }

  /// ``resolveRun(_:)`` of the reference as typed.
  /// - Throws: ``StoreError/invalidRunReference(_:)`` when it names no run
  ///   reference, ``StoreError/unknownRun(_:)`` when no run matches.
  public func resolveRun(typed text: String) throws -> Int64 { try resolveRun(RunReference(parsing: text)) }

  /// Everything recorded of run `id`, read in one transaction so that its
  /// summary, phases and scripts are of the same moment.
  /// Runs `body`'s queries on one snapshot of the history (a read
  /// transaction: in WAL mode it blocks no writer), so a run listed first
  /// is still there to read when a refresh or a prune changes the file meanwhile.
  public func snapshot<T>(_ body: () throws -> T) throws -> T { try database.readTransaction(body) }

  public func run(_ id: Int64) throws -> RunDetail {
    try database.readTransaction { () throws -> RunDetail in
      guard
        let summary = try database.firstRow(
          RunSummary.columns + "\nWHERE r.id = :id", named: RunSummary.columnParameters + [(":id", .integer(id))],
          RunSummary.init(row:)),
        var detail = try database.firstRow(
          """
          SELECT hostname, pid, version, command_line, trace_id, span_id, parent_span_id, trace_state
          FROM runs WHERE id = ?
          """, [.integer(id)],
          { row in
            RunDetail(
              summary: summary, hostname: row.text(0), pid: row.int64(1), version: row.text(2),
              commandLine: row.text(3), inputs: [], phases: [], trace: Self.trace(row, from: 4))
          })
      else { throw StoreError.unknownRun(String(id)) }
      detail.inputs = try database.rows(
        InputSummary.columns + " WHERE run_id = ? ORDER BY kind, position", [.integer(id)], InputSummary.init(row:))
      detail.phases = try phases(of: id, summary: summary)
      detail.deployments = try deployments(run: id)
      detail.files = try fileWatchSummary(run: id)
      detail.seal = try database.firstRow("SELECT mac FROM run_seals WHERE run_id = ?", [.integer(id)]) { $0.text(0) }
      return detail
    }
  }

  /// The trace stored in columns `first` … `first + 3` of `row` (trace id,
  /// span id, parent span id, trace state); nil when it was not stored.
  private static func trace(_ row: Statement, from first: Int32) -> RunTrace? {
    guard let trace = row.optionalText(first).flatMap({ TraceID(hex: $0) }),
      let span = row.optionalText(first + 1).flatMap({ SpanID(hex: $0) })
    else { return nil }
    return RunTrace(
      traceID: trace, spanID: span, parentSpanID: row.optionalText(first + 2).flatMap { SpanID(hex: $0) },
      traceState: row.optionalText(first + 3))
  }

  /// The four phases in order (those never recorded shown as skipped, or
  /// abandoned/running when scripts ran in them), then error.d when it ran.
  private func phases(of id: Int64, summary: RunSummary) throws -> [PhaseDetail] {
    let scriptsByPhase = Dictionary(grouping: try scripts(run: id), by: \.phase)
    let recorded = Dictionary(
      try database.rows(
        PhaseDetail.columns + " WHERE run_id = ? ORDER BY position", [.integer(id)],
        { row throws(SQLiteError) in try PhaseDetail(row: row, scripts: scriptsByPhase) }
      ).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let unrecorded: PhaseStatus = summary.status == .running ? .running : .abandoned
    var phases = Phase.ordered.map { name in
      recorded[name]
        ?? PhaseDetail(
          name: name, status: scriptsByPhase[name] == nil ? .skipped : unrecorded, startedAt: nil,
          durationMicroseconds: nil, scripts: scriptsByPhase[name] ?? [])
    }
    if let error = recorded[.error]
      ?? scriptsByPhase[.error].map({
        PhaseDetail(name: .error, status: .abandoned, startedAt: nil, durationMicroseconds: nil, scripts: $0)
      })
    {
      phases.append(error)
    }
    return phases
  }

  /// The scripts of run `id`, in the order they started.
  public func scripts(run id: Int64) throws -> [ScriptDetail] {
    try database.rows(ScriptDetail.columns + " WHERE run_id = ? ORDER BY id", [.integer(id)], ScriptDetail.init(row:))
  }

  /// The captured bytes of one stream of a script.
  public func output(script id: Int64, stream: ScriptStream) throws -> CapturedStream {
    let column = stream.rawValue
    let sql = """
      SELECT s.\(column)_bytes, s.\(column)_truncated, h.data, t.data FROM scripts s
      LEFT JOIN contents h ON h.id = s.\(column)_head LEFT JOIN contents t ON t.id = s.\(column)_tail
      WHERE s.id = ?
      """
    return try database.firstRow(sql, [.integer(id)]) { row in
      CapturedStream(head: row.blob(2), tail: row.blob(3), totalBytes: row.int64(0), truncated: row.int64(1) != 0)
    } ?? CapturedStream()
  }

  /// Splits `PHASE/NAME` (the name may itself hold slashes); both parts
  /// must be non-empty. The phase is nil when it is none of ours: no script
  /// is recorded under it.
  public static func parseScriptReference(_ reference: String) throws -> (phase: Phase?, name: String) {
    guard let slash = reference.firstIndex(of: "/"), slash != reference.startIndex,
      reference.index(after: slash) != reference.endIndex
    else { throw StoreError.invalidScriptReference(reference) }
    return (Phase(rawValue: String(reference[..<slash])), String(reference[reference.index(after: slash)...]))
  }

  /// Finds the script `phase/name` of run `id`; the last one when it ran twice.
  public func script(run id: Int64, reference: String) throws -> ScriptDetail {
    let (phase, name) = try Self.parseScriptReference(reference)
    guard let script = try scripts(run: id).last(where: { $0.phase == phase && $0.name == name }) else {
      throw StoreError.unknownScript(run: id, script: reference)
    }
    return script
  }

  /// The digests of files as last read, with their identities then, by path.
  public func fileDigests() throws -> [String: (identity: FileIdentity, sha256: String)] {
    var digests: [String: (identity: FileIdentity, sha256: String)] = [:]
    for (path, identity, digest) in try database.rows(
      "SELECT path, device, inode, size, mtime_ns, ctime_ns, sha256 FROM file_digests", [],
      { row in
        (
          row.text(0),
          FileIdentity(
            device: row.int64(1), inode: row.int64(2), size: row.int64(3), modifiedNanoseconds: row.int64(4),
            changedNanoseconds: row.int64(5)), row.text(6)
        )
      })
    {
      digests[path] = (identity, digest)
    }
    return digests
  }
}
