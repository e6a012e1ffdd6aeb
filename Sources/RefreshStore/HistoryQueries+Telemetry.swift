import RefreshVocabulary

/// What the metrics file asks of the history.
extension HistoryQueries {
  /// Finished runs by status since the history began: those it holds and
  /// those retention removed.
  public func runTotals() throws -> [RunStatus: Int64] {
    var totals: [RunStatus: Int64] = [:]
    try database.rows(
      """
      SELECT status, sum(n) FROM (
        SELECT status, count(*) AS n FROM runs WHERE status != ? GROUP BY status
        UNION ALL SELECT status, count FROM pruned_runs)
      GROUP BY status
      """, [.word(RunStatus.running)], { row throws(SQLiteError) in (try row.word(0) as RunStatus, row.int64(1)) }
    ).forEach { totals[$0.0] = $0.1 }
    return totals
  }

  /// When the last successful run ended.
  public func lastSuccessFinishedAt() throws -> Int64? {
    try database.firstRow(
      "SELECT max(finished_at) FROM runs WHERE status = ?", [.word(RunStatus.success)], { $0.optionalInt64(0) })
      ?? nil
  }
}
