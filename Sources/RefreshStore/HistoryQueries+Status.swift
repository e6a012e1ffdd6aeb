import RefreshVocabulary

/// A run the history says is in progress, and the process recording it.
public struct RunningRecord: Sendable, Equatable {
  public var runID: Int64
  public var pid: Int64
}

/// What a script usually takes: the median and 95th percentile (nearest
/// rank, as `history stats` computes them) of its recent successful runs.
public struct TypicalDuration: Sendable, Equatable {
  public var medianMicroseconds: Int64
  public var p95Microseconds: Int64
  /// How many successful runs they come from.
  public var samples: Int

  /// The typical duration of `durations`; nil when there are none.
  public init?(_ durations: [Int64]) {
    guard !durations.isEmpty else { return nil }
    let sorted = durations.sorted()
    medianMicroseconds = StatisticsAccumulator.percentile(sorted, 50)
    p95Microseconds = StatisticsAccumulator.percentile(sorted, 95)
    samples = sorted.count
  }
}

/// Queries behind `status`: the run in progress, and what a script usually takes.
extension HistoryQueries {
  /// The newest run still marked running, with its process; nil when none is.
  public func runningRun() throws -> RunningRecord? {
    try database.firstRow(
      "SELECT id, pid FROM runs WHERE status = ? ORDER BY id DESC LIMIT 1", [.word(RunStatus.running)],
      { RunningRecord(runID: $0.int64(0), pid: $0.int64(1)) })
  }

  /// Whether the newest run was recorded by process `pid`, has ended, and
  /// that process is still the one `isAlive` names: the window after a
  /// refresh recorded its end and before it lets go of the lock. (Only the
  /// lock's holder writes runs, so its run is the newest.)
  public func hasEndedItsRun(pid: Int64, isAlive: HistoryStore.LivenessCheck) throws -> Bool {
    try database.firstRow(
      "SELECT status, pid, boot_id, process_start, pid_namespace FROM runs ORDER BY id DESC LIMIT 1", [],
      { row in
        row.int64(1) == pid && row.text(0) != RunStatus.running.rawValue
          && isAlive(row.int64(1), row.text(2), row.int64(3), row.text(4))
      }
    ) ?? false
  }

  /// The newest finished run (not running), or nil.
  public func latestFinishedRun() throws -> RunSummary? {
    try runs(limit: 8).first { $0.status != .running }
  }

  /// How long script `phase/name` took in its newest successful runs before
  /// `run`, newest first: at most `limit` of them, found among its newest
  /// `window` records (through the (phase, name, run_id) index, so the cost
  /// is bounded whatever the history's size).
  public func successfulDurations(phase: Phase, name: String, before run: Int64, limit: Int, window: Int = 200)
    throws -> [Int64]
  {
    try database.rows(
      """
      SELECT duration_us FROM (
        SELECT status, duration_us, run_id, id FROM scripts WHERE phase = ? AND name = ? AND run_id < ?
        ORDER BY run_id DESC, id DESC LIMIT ?)
      WHERE status = ? AND duration_us IS NOT NULL ORDER BY run_id DESC, id DESC LIMIT ?
      """,
      [
        .word(phase), .text(name), .integer(run), .integer(Int64(window)), .word(ScriptStatus.success),
        .integer(Int64(limit)),
      ], { $0.int64(0) })
  }

  /// What script `phase/name` usually takes, from its newest 20 successful
  /// runs before `run`; nil when it never succeeded there.
  public func typicalDuration(phase: Phase, name: String, before run: Int64) throws -> TypicalDuration? {
    TypicalDuration(try successfulDurations(phase: phase, name: name, before: run, limit: 20))
  }
}
