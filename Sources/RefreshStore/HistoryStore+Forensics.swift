/// Queries behind `diff`, `history script`, `history stats` and `history export`.
extension HistoryStore {
  /// The run `diff` compares `id` with: the last successful run before it, or
  /// the run just before it when none succeeded; nil for the first run.
  public func baseline(for id: Int64) throws -> Int64? {
    if let found = try database.firstRow(
      "SELECT max(id) FROM runs WHERE id < ? AND status = 'success'", [.integer(id)], { $0.optionalInt64(0) }),
      let success = found
    {
      return success
    }
    return try database.firstRow("SELECT max(id) FROM runs WHERE id < ?", [.integer(id)]) { $0.optionalInt64(0) }
      ?? nil
  }

  /// The input files of run `id` with their kept contents.
  public func inputs(run id: Int64) throws -> [StoredInput] {
    let statement = try database.statement(
      """
      SELECT i.kind, i.path, i.sha256, c.data, i.content_id FROM run_inputs i
      LEFT JOIN contents c ON c.id = i.content_id WHERE i.run_id = ? ORDER BY i.kind, i.position
      """
    ).bind([.integer(id)])
    var inputs: [StoredInput] = []
    while try statement.step() {
      inputs.append(
        StoredInput(
          kind: statement.text(0), path: statement.text(1), sha256: statement.optionalText(2),
          content: statement.isNull(4) ? nil : statement.blob(3)))
    }
    return inputs
  }

  /// Script `phase/name` across runs, newest first.
  public func timeline(phase: String, name: String, limit: Int?) throws -> [TimelineEntry] {
    let statement = try database.statement(
      """
      SELECT run_id, started_at, status, exit_code, signal, duration_us, sha256 FROM scripts
      WHERE phase = ? AND name = ? ORDER BY run_id DESC, id DESC LIMIT ?
      """
    ).bind([.text(phase), .text(name), .integer(Int64(limit ?? -1))])
    var entries: [TimelineEntry] = []
    while try statement.step() {
      entries.append(
        TimelineEntry(
          runID: statement.int64(0), startedAt: statement.int64(1), status: statement.text(2),
          exitCode: statement.optionalInt64(3), signal: statement.optionalInt64(4),
          durationMicroseconds: statement.optionalInt64(5), sha256: statement.optionalText(6)))
    }
    return entries
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
    ).bind([since.map { .integer($0) } ?? .null, .integer(lastRuns.map { Int64($0) - 1 } ?? Int64.max)])
    var result: [ScriptStatistics] = []
    var current: ScriptStatistics?
    var durations: [Int64] = []
    func close() {
      guard var finished = current else { return }
      durations.sort()
      if !durations.isEmpty {
        finished.medianMicroseconds = Self.percentile(durations, 50)
        finished.p95Microseconds = Self.percentile(durations, 95)
      }
      result.append(finished)
      durations.removeAll(keepingCapacity: true)
    }
    while try statement.step() {
      let phase = statement.text(0)
      let name = statement.text(1)
      if current?.phase != phase || current?.name != name {
        close()
        current = ScriptStatistics(
          phase: phase, name: name, runs: 0, failures: 0, medianMicroseconds: nil, p95Microseconds: nil,
          lastFailureRun: nil, lastFailureAt: nil)
      }
      let status = statement.text(2)
      current!.runs += 1
      if let duration = statement.optionalInt64(3) { durations.append(duration) }
      if status != "success" && status != "running" {
        current!.failures += 1
        let run = statement.int64(4)
        if run > (current!.lastFailureRun ?? 0) {
          current!.lastFailureRun = run
          current!.lastFailureAt = statement.int64(5)
        }
      }
    }
    close()
    return result
  }

  /// The nearest-rank percentile of sorted values.
  static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64 {
    let rank = max(1, (percent * sorted.count + 99) / 100)
    return sorted[min(sorted.count, rank) - 1]
  }

  /// Run ids started at or after `since` (all when nil), oldest first.
  public func runIDs(since: Int64?) throws -> [Int64] {
    let statement = try database.statement(
      "SELECT id FROM runs WHERE (?1 IS NULL OR started_at >= ?1) ORDER BY id"
    ).bind([since.map { .integer($0) } ?? .null])
    var ids: [Int64] = []
    while try statement.step() { ids.append(statement.int64(0)) }
    return ids
  }
}
