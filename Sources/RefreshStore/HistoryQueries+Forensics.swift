import RefreshVocabulary

/// Queries behind `diff`, `history script`, `history stats` and `history export`.
extension HistoryQueries {
  /// The run `diff` compares `id` with: the last successful run before it
  /// (one that ran scripts), or the run just before it when none succeeded;
  /// nil for the first run.
  public func baseline(for id: Int64) throws -> Int64? {
    if let found = try database.firstRow(
      "SELECT max(id) FROM runs WHERE id < ? AND status = ? AND \(Self.ranScripts)",
      [.integer(id), .word(RunStatus.success)],
      { $0.optionalInt64(0) }),
      let success = found
    {
      return success
    }
    return try database.firstRow("SELECT max(id) FROM runs WHERE id < ?", [.integer(id)]) { $0.optionalInt64(0) }
      ?? nil
  }

  /// The input files of run `id` with their kept contents.
  public func inputs(run id: Int64) throws -> [StoredInput] {
    let rows = try database.rows(
      StoredInput.columns + " WHERE i.run_id = ? ORDER BY i.kind, i.position", [.integer(id)]
    ) { row throws(SQLiteError) in (try StoredInput(row: row), row.int64(5) != 0, row.int64(6)) }
    return try rows.map { input, chunked, position in
      guard chunked else { return input }
      var whole = input
      whole.content = try chunks(run: id, kind: input.kind, position: position)
      return whole
    }
  }

  /// A chunked input's content: its chunks in order, concatenated (sized
  /// first, so each chunk is copied once).
  func chunks(run id: Int64, kind: InputKind, position: Int64) throws -> [UInt8] {
    let key: [Statement.Value] = [.integer(id), .word(kind), .integer(position)]
    let size =
      try database.firstRow(
        """
        SELECT coalesce(sum(c.size), 0) FROM input_chunks i JOIN contents c ON c.id = i.content_id
        WHERE i.run_id = ? AND i.kind = ? AND i.position = ?
        """, key, { $0.int64(0) }) ?? 0
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(clamping: size))
    _ = try database.rows(
      """
      SELECT c.data FROM input_chunks i JOIN contents c ON c.id = i.content_id
      WHERE i.run_id = ? AND i.kind = ? AND i.position = ? ORDER BY i.seq
      """, key, { $0.appendBlob(0, to: &bytes) })
    return bytes
  }

  /// Script `phase/name` across runs, newest first.
  public func timeline(phase: Phase?, name: String, limit: Int?) throws -> [TimelineEntry] {
    guard let phase else { return [] }
    return try database.rows(
      TimelineEntry.columns + " WHERE phase = ? AND name = ? ORDER BY run_id DESC, id DESC LIMIT ?",
      [.word(phase), .text(name), .integer(Int64(limit ?? -1))], TimelineEntry.init(row:))
  }

  /// Per script: runs, failures, median and 95th-percentile duration, last
  /// failure; over the newest `lastRuns` runs (nil: all) and scripts started
  /// at or after `since` when given.
  public func statistics(since: Int64?, lastRuns: Int?) throws -> [ScriptStatistics] {
    let statement = try database.statement(
      """
      SELECT phase, name, status, duration_us, run_id, started_at FROM scripts INDEXED BY scripts_by_run
      WHERE run_id >= coalesce((SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?2), 0)
        AND (?1 IS NULL OR started_at >= ?1)
      ORDER BY phase, name
      """
    ).bind([.integer(orNull: since), .integer(lastRuns.map { Int64($0) - 1 } ?? Int64.max)])
    var accumulator = StatisticsAccumulator()
    while try statement.step() {
      accumulator.add(
        phase: try statement.word(0), name: statement.text(1), status: try statement.word(2),
        duration: statement.optionalInt64(3), run: statement.int64(4), startedAt: statement.int64(5))
    }
    return accumulator.finish()
  }

  /// Run ids started at or after `since` (all when nil), oldest first.
  public func runIDs(since: Int64?) throws -> [Int64] {
    try database.rows(
      "SELECT id FROM runs WHERE (?1 IS NULL OR started_at >= ?1) ORDER BY id", [.integer(orNull: since)],
      { $0.int64(0) })
  }
}

/// Folds script rows, grouped by script, into per-script statistics.
struct StatisticsAccumulator {
  private var result: [ScriptStatistics] = []
  private var current: ScriptStatistics?
  private var durations: [Int64] = []

  mutating func add(phase: Phase, name: String, status: ScriptStatus, duration: Int64?, run: Int64, startedAt: Int64) {
    if current?.phase != phase || current?.name != name {
      finishGroup()
      current = ScriptStatistics(
        phase: phase, name: name, runs: 0, failures: 0, medianMicroseconds: nil, p95Microseconds: nil,
        lastFailureRun: nil, lastFailureAt: nil)
    }
    current!.runs += 1
    if let duration { durations.append(duration) }
    if status.isFailure {
      current!.failures += 1
      if run > (current!.lastFailureRun ?? 0) {
        current!.lastFailureRun = run
        current!.lastFailureAt = startedAt
      }
    }
  }

  mutating func finish() -> [ScriptStatistics] {
    finishGroup()
    return result
  }

  private mutating func finishGroup() {
    guard var finished = current else { return }
    durations.sort()
    if !durations.isEmpty {
      finished.medianMicroseconds = Self.percentile(durations, 50)
      finished.p95Microseconds = Self.percentile(durations, 95)
    }
    result.append(finished)
    durations.removeAll(keepingCapacity: true)
    current = nil
  }

  /// The nearest-rank percentile of sorted values.
  static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64 {
    let rank = max(1, (percent * sorted.count + 99) / 100)
    return sorted[min(sorted.count, rank) - 1]
  }
}
