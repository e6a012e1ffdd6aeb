import RefreshVocabulary

/// What a run's system was: the boot and the kernel it ran under.
public struct RunSystem: Sendable, Equatable {
  public var runID: Int64
  public var startedAt: Int64
  public var bootID: String
  /// nil for runs recorded before kernels were.
  public var kernel: String?
}

/// Queries behind `why`: one script's outcomes back in time, the runs
/// around a failure, and what each run's system was.
extension HistoryQueries {
  /// The newest run that did not succeed, or whose Heat deployment failed,
  /// and is not running; nil when none.
  public func latestUnsuccessfulRun() throws -> Int64? {
    let failed = try database.firstRow(
      "SELECT id FROM runs WHERE status NOT IN (?, ?) ORDER BY id DESC LIMIT 1",
      [.word(RunStatus.success), .word(RunStatus.running)], { $0.int64(0) })
    let deployment = try database.firstRow(
      """
      SELECT d.run_id FROM deployments d JOIN runs r ON r.id = d.run_id
      WHERE d.status_code != 0 AND r.status != ? ORDER BY d.run_id DESC LIMIT 1
      """, [.word(RunStatus.running)], { $0.int64(0) })
    return [failed, deployment].compactMap { $0 }.max()
  }

  /// The Heat deployments run `id`'s scripts ran, in the order they were signalled.
  public func deployments(run id: Int64) throws -> [DeploymentRecord] {
    try database.rows(
      DeploymentRecord.columns + " WHERE run_id = ? ORDER BY position", [.integer(id)], DeploymentRecord.init(row:))
  }

  /// The newest run before `run` where deployment `name` ran and succeeded,
  /// or nil (through the (name, run_id) index).
  public func lastDeploymentSuccess(name: String, before run: Int64) throws -> Int64? {
    try database.firstRow(
      "SELECT max(run_id) FROM deployments WHERE name = ? AND run_id < ? AND status_code = 0",
      [.text(name), .integer(run)], { $0.optionalInt64(0) }) ?? nil
  }

  /// The first run after `after` (nil: from the first) up to `upTo` where
  /// deployment `name` failed.
  public func firstDeploymentFailure(name: String, after: Int64?, upTo: Int64) throws -> Int64? {
    try database.firstRow(
      "SELECT min(run_id) FROM deployments WHERE name = ? AND run_id > ? AND run_id <= ? AND status_code != 0",
      [.text(name), .integer(after ?? 0), .integer(upTo)], { $0.optionalInt64(0) }) ?? nil
  }

  /// Script `phase/name` in runs up to `run` (included), newest first, at
  /// most `limit`: through the (phase, name, run_id) index, so the cost is
  /// the rows read, whatever the history's size.
  public func scriptHistory(phase: Phase, name: String, upTo run: Int64, limit: Int) throws -> [TimelineEntry] {
    try database.rows(
      TimelineEntry.columns + " WHERE phase = ? AND name = ? AND run_id <= ? ORDER BY run_id DESC, id DESC LIMIT ?",
      [.word(phase), .text(name), .integer(run), .integer(Int64(limit))], TimelineEntry.init(row:))
  }

  /// The newest successful run before `run` that ran scripts, or nil.
  public func lastSuccess(before run: Int64) throws -> Int64? {
    try database.firstRow(
      "SELECT max(id) FROM runs WHERE id < ? AND status = ? AND \(Self.ranScripts)",
      [.integer(run), .word(RunStatus.success)],
      { $0.optionalInt64(0) }) ?? nil
  }

  /// The first run after `after` (nil: from the first) and up to `upTo`
  /// where environment.d failed in `file`.
  public func firstEnvironmentFailure(file: String, after: Int64?, upTo: Int64) throws -> Int64? {
    try database.firstRow(
      """
      SELECT min(run_id) FROM phases
      WHERE run_id > ? AND run_id <= ? AND environment_failed = 1 AND environment_file = ?
      """, [.integer(after ?? 0), .integer(upTo), .text(file)], { $0.optionalInt64(0) }) ?? nil
  }

  /// Runs between `from` and `to` (both included), oldest first.
  public func runIDs(from: Int64, to: Int64) throws -> [Int64] {
    try database.rows(
      "SELECT id FROM runs WHERE id >= ? AND id <= ? ORDER BY id", [.integer(from), .integer(to)], { $0.int64(0) })
  }

  /// The ids of the newest `count` runs up to `run` (included) that ended,
  /// oldest first: the runs whose inputs tell what changes every run.
  public func endedRunIDs(upTo run: Int64, count: Int) throws -> [Int64] {
    try database.rows(
      "SELECT id FROM runs WHERE id <= ? AND status != ? ORDER BY id DESC LIMIT ?",
      [.integer(run), .word(RunStatus.running), .integer(Int64(count))], { $0.int64(0) }
    ).reversed()
  }

  /// The boot and kernel of run `id`.
  public func system(run id: Int64) throws -> RunSystem? {
    try database.firstRow(
      "SELECT id, started_at, boot_id, kernel FROM runs WHERE id = ?", [.integer(id)],
      { RunSystem(runID: $0.int64(0), startedAt: $0.int64(1), bootID: $0.text(2), kernel: $0.optionalText(3)) })
  }

  /// The kept content of script record `id` (its text, secrets hidden as
  /// stored), or nil when it was not kept.
  public func scriptContent(script id: Int64) throws -> [UInt8]? {
    try database.firstRow(
      "SELECT c.data FROM scripts s JOIN contents c ON c.id = s.content_id WHERE s.id = ?", [.integer(id)],
      { $0.blob(0) })
  }
}
