import ContentEncoding
import RefreshVocabulary

/// Recording a run as it happens.
///
/// Durability follows the run. A run's start and end are committed with
/// `synchronous = FULL` on the runner's thread. Everything between (script
/// starts and ends, phases, environment.d failures) reaches the database
/// through the pending log (``PendingLog``), applied in batches by
/// ``apply(_:rows:durable:)`` on the writer thread with `NORMAL`, and made
/// durable by ``LogSync``. The other writes here serve the history
/// generator and tests.
public struct RunWriter {
  let database: Database

  /// Records the start of a run with its inputs; durable. Returns the run id.
  public func beginRun(_ start: RunStart) throws -> Int64 {
    try database.transaction(durable: true) { () throws(SQLiteError) -> Int64 in
      try database.statement(
        """
        INSERT INTO runs (started_at, status, base_dir, hostname, pid, boot_id, process_start, version,
                          command_line, planned_scripts, pid_namespace, trace_id, span_id, parent_span_id,
                          trace_state, kernel)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
      ).run([
        .integer(start.startedAt), .word(RunStatus.running), .text(start.baseDirectory), .text(start.hostname),
        .integer(start.pid), .text(start.bootID), .integer(start.processStart), .text(start.version),
        .text(JSONText.array(start.commandLine)), .integer(Int64(start.plannedScripts)), .text(start.pidNamespace),
        .text(orNull: start.trace?.traceID.hex), .text(orNull: start.trace?.spanID.hex),
        .text(orNull: start.trace?.parentSpanID?.hex), .text(orNull: start.trace?.traceState),
        .text(orNull: start.kernel),
      ])
      let run = database.lastInsertedRowID
      var positions: [InputKind: Int64] = [:]
      for input in start.inputs {
        let position = positions[input.kind, default: 0]
        positions[input.kind] = position + 1
        try insertInput(input, runID: run, position: position)
      }
      return run
    }
  }

  /// One input of run `run`, its content stored once (in chunks when large).
  private func insertInput(_ input: InputRecord, runID run: Int64, position: Int64) throws(SQLiteError) {
    try database.statement(
      """
      INSERT INTO run_inputs (run_id, kind, position, path, sha256, content_id, error, source, chunked)
      VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 0)
      """
    ).run([
      .integer(run), .word(input.kind), .integer(position), .text(input.path), .text(orNull: input.sha256),
      .text(orNull: input.error), .text(orNull: input.source),
    ])
    try storeInputContent(input.content, runID: run, kind: input.kind.rawValue, position: position)
  }

  /// Stores `bytes` as the content of an input already in `run_inputs`
  /// (whole, or in chunks when large; nil: none kept).
  func storeInputContent(_ bytes: [UInt8]?, runID run: Int64, kind: String, position: Int64) throws(SQLiteError) {
    let chunked = (bytes?.count ?? 0) >= ContentChunks.threshold
    let content = try chunked ? nil : bytes.map { bytes throws(SQLiteError) in try storeContent(bytes) }
    try database.statement(
      "UPDATE run_inputs SET content_id = ?, chunked = ? WHERE run_id = ? AND kind = ? AND position = ?"
    )
    .run([.integer(orNull: content), .integer(chunked ? 1 : 0), .integer(run), .text(kind), .integer(position)])
    if chunked, let bytes {
      for (sequence, range) in ContentChunks.ranges(of: bytes).enumerated() {
        let chunk = try storeContent(Array(bytes[range]))
        try database.statement(
          "INSERT INTO input_chunks (run_id, kind, position, seq, content_id) VALUES (?, ?, ?, ?, ?)"
        ).run([.integer(run), .text(kind), .integer(position), .integer(Int64(sequence)), .integer(chunk)])
      }
    }
  }

  /// An input recorded after the run's start, after the run's others of its kind.
  private func appendInput(_ input: InputRecord, runID: Int64) throws(SQLiteError) {
    let position =
      try database.firstRow(
        "SELECT coalesce(max(position), -1) + 1 FROM run_inputs WHERE run_id = ? AND kind = ?",
        [.integer(runID), .word(input.kind)]
      ) { row throws(SQLiteError) in row.int64(0) } ?? 0
    try insertInput(input, runID: runID, position: position)
  }

  /// Records a phase's status (inserted or replaced).
  public func recordPhase(
    runID: Int64, phase: Phase, status: PhaseStatus, startedAt: Int64?, finishedAt: Int64?,
    durationMicroseconds: Int64?
  ) throws {
    let record = PhaseRecord(
      phase: phase, status: status, startedAt: startedAt, finishedAt: finishedAt,
      durationMicroseconds: durationMicroseconds)
    try database.transaction { () throws(SQLiteError) in try upsertPhase(runID: runID, record) }
  }

  private func upsertPhase(runID: Int64, _ record: PhaseRecord) throws(SQLiteError) {
    try database.statement(
      """
      INSERT INTO phases (run_id, name, position, status, started_at, finished_at, duration_us, span_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
        finished_at = excluded.finished_at, duration_us = excluded.duration_us,
        span_id = coalesce(excluded.span_id, span_id)
      """
    ).run([
      .integer(runID), .word(record.phase), .integer(Int64(record.phase.position)), .word(record.status),
      .integer(orNull: record.startedAt), .integer(orNull: record.finishedAt),
      .integer(orNull: record.durationMicroseconds), .text(orNull: record.spanID?.hex),
    ])
  }

  /// Records why environment.d failed for a phase already recorded as started.
  private func updateEnvironmentFailure(runID: Int64, _ phase: Phase, _ failure: EnvironmentFailureRecord)
    throws(SQLiteError)
  {
    try database.statement(
      """
      UPDATE phases SET environment_failed = 1, environment_file = ?, environment_exit_code = ?,
        environment_signal = ?, environment_output = ?, environment_output_combined = ?
      WHERE run_id = ? AND name = ?
      """
    ).run([
      .text(orNull: failure.file), .integer(orNull: failure.exitCode), .integer(orNull: failure.signal),
      .blob(failure.output), .integer(failure.combinedOutput ? 1 : 0), .integer(runID), .word(phase),
    ])
  }

  /// A deployment a script ran, after the run's others.
  private func insertDeployment(runID: Int64, _ deployment: DeploymentRecord) throws(SQLiteError) {
    try database.statement(
      """
      INSERT INTO deployments (run_id, position, phase, script, name, deployment_id, grp, action, status_code,
        signalled_at, stdout, stderr)
      VALUES (?1, (SELECT coalesce(max(position), -1) + 1 FROM deployments WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6,
        ?7, ?8, ?9, ?10, ?11)
      """
    ).run([
      .integer(runID), .word(deployment.phase), .text(deployment.script), .text(deployment.name),
      .text(deployment.deploymentID), .text(orNull: deployment.group), .text(orNull: deployment.action),
      .integer(deployment.statusCode), .integer(deployment.signalledAt), .blob(deployment.stdout),
      .blob(deployment.stderr),
    ])
  }

  /// Records that a script starts and, in the same transaction, how the
  /// script before it ended (`finishing`). Returns the script's row id.
  public func beginScript(_ start: ScriptStart) throws -> Int64 {
    try database.transaction { () throws(SQLiteError) -> Int64 in try insertScript(start, sequence: nil) }
  }

  private func insertScript(_ start: ScriptStart, sequence: Int64?) throws(SQLiteError) -> Int64 {
    var content = try start.content.map { bytes throws(SQLiteError) in try storeContent(bytes) }
    if start.contentByDigest, let digest = start.sha256 {
      content = try contentReference(digest: digest)
      // Its content is no longer stored: the next run reads the file again.
      if content == nil { try forgetDigest(path: start.path) }
    }
    if let identity = start.identity, let digest = start.sha256 {
      try rememberDigest(path: start.path, identity: identity, sha256: digest)
    }
    try database.statement(
      """
      INSERT INTO scripts (run_id, phase, name, path, position, sha256, content_id, started_at, status, log_seq,
                           span_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """
    ).run([
      .integer(start.runID), .word(start.phase), .text(start.name), .text(start.path),
      .integer(Int64(start.position)), .text(orNull: start.sha256), .integer(orNull: content),
      .integer(start.startedAt), .word(ScriptStatus.running), .integer(orNull: sequence),
      .text(orNull: start.spanID?.hex),
    ])
    return database.lastInsertedRowID
  }

  /// Applies pending-log records in one transaction and notes, per run, the
  /// highest sequence applied. `rows` maps start records to their rows; an
  /// end whose start is not in it is found by `log_seq`.
  public func apply(_ records: [LogRecord], rows: inout [Int64: Int64], durable: Bool = false) throws {
    guard !records.isEmpty else { return }
    try database.transaction(durable: durable) { () throws(SQLiteError) in try applyInTransaction(records, rows: &rows)
    }
  }

  /// ``apply(_:rows:durable:)`` within the transaction the caller holds
  /// open (``Database/begin()``), with no savepoint of its own: a failure
  /// leaves the caller to roll the whole transaction back. (A savepoint
  /// would keep a statement journal of every page it changes: for a bulk
  /// of file changes, more bytes written than the WAL's.)
  func applyInTransaction(_ records: [LogRecord], rows: inout [Int64: Int64]) throws(SQLiteError) {
    var through: [Int64: Int64] = [:]
    for record in records {
      switch record {
      case .scriptStart(let sequence, let start):
        rows[sequence] = try insertScript(start, sequence: sequence)
      case .scriptEnd(_, let start, let run, let end):
        var row = rows[start]
        if row == nil {
          row = try database.firstRow(
            "SELECT id FROM scripts WHERE run_id = ? AND log_seq = ?", [.integer(run), .integer(start)]
          ) { row throws(SQLiteError) in row.int64(0) }
        }
        if let row { try updateScript(id: row, end) }
      case .phase(_, let run, let phase):
        try upsertPhase(runID: run, phase)
      case .environmentFailure(_, let run, let phase, let failure):
        try updateEnvironmentFailure(runID: run, phase, failure)
      case .runEnd(_, let run, let end):
        try updateRun(id: run, end)
      case .deployment(_, let run, let deployment):
        try insertDeployment(runID: run, deployment)
      case .input(_, let run, let input):
        try appendInput(input, runID: run)
      case .fileChange(_, let run, let change):
        try insertFileChange(change, runID: run)
      case .fileWatch(_, let run, let watch):
        try upsertFileWatch(watch, runID: run)
      }
      through[record.runID] = max(through[record.runID] ?? 0, record.sequence)
    }
    for (run, sequence) in through {
      try database.statement("UPDATE runs SET logged_through = max(logged_through, ?) WHERE id = ?")
        .run([.integer(sequence), .integer(run)])
    }
  }

  /// Records how a script ended, with its captured output; `durable` for
  /// an end that matters at once (a failure).
  public func finishScript(id: Int64, _ end: ScriptEnd) throws {
    try database.transaction { () throws(SQLiteError) in try updateScript(id: id, end) }
  }

  private func updateScript(id: Int64, _ end: ScriptEnd) throws(SQLiteError) {
    let values: [Statement.Value] =
      [
        .integer(end.finishedAt), .integer(end.durationMicroseconds), .integer(orNull: end.exitCode),
        .integer(orNull: end.signal), .word(end.status), .text(orNull: end.error),
      ] + (try streamValues(end.stdout)) + (try streamValues(end.stderr)) + [
        .integer(end.combinedOutput ? 1 : 0), .integer(end.terminal ? 1 : 0), .integer(id),
      ]
    try database.statement(
      """
      UPDATE scripts SET finished_at = ?, duration_us = ?, exit_code = ?, signal = ?, status = ?, error = ?,
        stdout_bytes = ?, stdout_truncated = ?, stdout_head = ?, stdout_tail = ?,
        stderr_bytes = ?, stderr_truncated = ?, stderr_head = ?, stderr_tail = ?,
        output_combined = ?, output_terminal = ?
      WHERE id = ?
      """
    ).run(values)
  }

  /// A stream's size, truncation and stored head and tail.
  private func streamValues(_ stream: CapturedStream) throws(SQLiteError) -> [Statement.Value] {
    let head = stream.head.isEmpty ? nil : try storeContent(stream.head)
    let tail = stream.tail.isEmpty ? nil : try storeContent(stream.tail)
    return [
      .integer(stream.totalBytes), .integer(stream.truncated ? 1 : 0), .integer(orNull: head), .integer(orNull: tail),
    ]
  }

  /// Records how the run ended; durable unless the caller makes it so
  /// with a durable commit of its own next (the run's seal).
  public func finishRun(
    id: Int64, finishedAt: Int64, durationMicroseconds: Int64, status: RunStatus, exitCode: Int64,
    durable: Bool = true
  ) throws {
    let end = RunEnd(
      finishedAt: finishedAt, durationMicroseconds: durationMicroseconds, status: status, exitCode: exitCode)
    try database.transaction(durable: durable) { () throws(SQLiteError) in try updateRun(id: id, end) }
  }

  private func updateRun(id: Int64, _ end: RunEnd) throws(SQLiteError) {
    try database.statement(
      "UPDATE runs SET finished_at = ?, duration_us = ?, status = ?, exit_code = ? WHERE id = ?"
    ).run([
      .integer(end.finishedAt), .integer(end.durationMicroseconds), .word(end.status), .integer(end.exitCode),
      .integer(id),
    ])
  }

  /// One more reference to the content stored under `digest`; nil when none is.
  private func contentReference(digest: String) throws(SQLiteError) -> Int64? {
    guard
      let id = try database.firstRow(
        "SELECT id FROM contents WHERE sha256 = ?", [.text(digest)], { row throws(SQLiteError) in row.int64(0) })
    else { return nil }
    try database.statement("UPDATE contents SET refs = refs + 1 WHERE id = ?").run([.integer(id)])
    return id
  }

  private func rememberDigest(path: String, identity: FileIdentity, sha256: String) throws(SQLiteError) {
    try database.statement(
      """
      INSERT OR REPLACE INTO file_digests (path, device, inode, size, mtime_ns, ctime_ns, sha256)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """
    ).run([
      .text(path), .integer(identity.device), .integer(identity.inode), .integer(identity.size),
      .integer(identity.modifiedNanoseconds), .integer(identity.changedNanoseconds), .text(sha256),
    ])
  }

  private func forgetDigest(path: String) throws(SQLiteError) {
    try database.statement("DELETE FROM file_digests WHERE path = ?").run([.text(path)])
  }

  /// Stores `bytes` once per distinct content, counting `references` more
  /// references to it (one by default); returns its row id.
  func storeContent(
    _ bytes: [UInt8], digest: String? = nil, references: Int64 = 1
  ) throws(SQLiteError) -> Int64 {
    let digest = digest ?? ContentDigest.sha256Hex(bytes)
    if let id = try database.firstRow("SELECT id FROM contents WHERE sha256 = ?", [.text(digest)], { $0.int64(0) }) {
      try database.statement("UPDATE contents SET refs = refs + ? WHERE id = ?").run([
        .integer(references), .integer(id),
      ])
      return id
    }
    try database.statement("INSERT INTO contents (sha256, size, data, refs) VALUES (?, ?, ?, ?)").run([
      .text(digest), .integer(Int64(bytes.count)), .blob(bytes), .integer(references),
    ])
    return database.lastInsertedRowID
  }
}
