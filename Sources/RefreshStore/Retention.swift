import RefreshVocabulary
import SystemInterface

/// Keeping the history bounded.
///
/// Deleted pages go to SQLite's freelist and are reused by later inserts, so
/// under steady pruning the file stops growing at its high-water mark.
public struct Retention {
  let database: Database

  /// The default number of runs kept.
  public static let defaultKeepRuns = 1000
  /// The default byte budget of the database file: 256 MiB.
  public static let defaultMaxBytes: Int64 = 256 << 20

  /// The bytes the database's pages hold (the file less its free pages).
  public func usedBytes() throws -> Int64 {
    let pages = try database.integerPragma("page_count") - database.integerPragma("freelist_count")
    return pages * (try database.integerPragma("page_size"))
  }

  /// The database file's size in bytes (its WAL apart).
  public func fileBytes() -> Int64 {
    var info = stat()
    return stat(database.path, &info) == 0 ? Int64(info.st_size) : 0
  }

  /// Keeps the database file within `maxBytes`: deletes the oldest runs
  /// (never running ones, the newest success or the newest failure) until
  /// what the pages hold leaves `headroom` free (room for the next run:
  /// freed pages are reused, so the file stops growing), then, if the file
  /// itself is still larger, or would be once checkpointed (a budget
  /// lowered, a run larger than the headroom), rewrites it (VACUUM).
  @discardableResult
  public func shrink(toBytes maxBytes: Int64, headroom: Int64) throws -> PruneReport {
    var report = PruneReport()
    let target = max(maxBytes / 2, maxBytes - max(headroom, maxBytes / 16))
    while try usedBytes() > target {
      guard let oldest = try doomedRuns(keepRuns: 1, olderThan: nil).min() else { break }
      let removed = try delete([oldest])
      report.runs += removed.runs
      report.scripts += removed.scripts
      report.contents += removed.contents
      report.contentBytes += removed.contentBytes
    }
    // The file as the next checkpoint leaves it: every page, free ones too
    // (a WAL database's main file catches up with its pages only then).
    let pageBytes = try database.integerPragma("page_count") * database.integerPragma("page_size")
    if fileBytes() > maxBytes || pageBytes > maxBytes {
      try database.execute("VACUUM")
    }
    return report
  }

  /// Deletes runs beyond the newest `keepRuns` (nil or 0: no such limit) and
  /// runs started before `olderThan` (UTC microseconds, nil: no such limit),
  /// with the contents no kept run refers to. Never deleted: running runs,
  /// the newest successful run and the newest failed one (baselines for `diff`).
  @discardableResult
  public func prune(keepRuns: Int?, olderThan: Int64?) throws -> PruneReport {
    try delete(try doomedRuns(keepRuns: keepRuns, olderThan: olderThan))
  }

  /// Deletes `doomed` runs with the contents no kept run refers to. Each
  /// stretch of sealed runs deleted leaves its last seal's chain value as a
  /// gap, so the chain is checked across it; the next run sealed seals the
  /// gap too. A gap no kept run follows, whose sealing run is gone too, is
  /// no longer needed: it goes, so steady pruning keeps the file's size.
  ///
  /// The foreign key checks are off meanwhile: each run's rows are deleted
  /// table by table here, and a content only once its reference count,
  /// kept in the same transaction, is zero; with them on, SQLite looked for
  /// references to each deleted content in every column that names
  /// `contents`, scanning `scripts` five times a content (seconds for the
  /// first prune of a large history after an upgrade).
  private func delete(_ doomed: Set<Int64>) throws -> PruneReport {
    guard !doomed.isEmpty else { return PruneReport() }
    return try database.withoutForeignKeyChecks { () throws(SQLiteError) -> PruneReport in
      try deleteChecked(doomed)
    }
  }

  private func deleteChecked(_ doomed: Set<Int64>) throws(SQLiteError) -> PruneReport {
    try database.transaction { () throws(SQLiteError) -> PruneReport in
      try collectReferences(of: doomed)
      var report = PruneReport()
      report.runs = Int64(doomed.count)
      report.scripts =
        try database.firstRow("SELECT count(*) FROM scripts WHERE run_id IN temp.doomed_runs") { $0.int64(0) } ?? 0
      if let (count, bytes) = try database.firstRow(
        """
        SELECT count(*), coalesce(sum(size), 0) FROM contents
        WHERE refs <= 0 AND id IN (SELECT id FROM temp.doomed_references)
        """, [], { ($0.int64(0), $0.int64(1)) })
      {
        report.contents = count
        report.contentBytes = bytes
      }
      try database.execute(
        """
        INSERT OR IGNORE INTO seal_gaps (last_position, last_run, chain, mac, pruned_at)
          SELECT s.position, s.run_id, s.chain, s.mac, CAST(strftime('%s', 'now') AS INTEGER) * 1000000
          FROM run_seals s WHERE s.run_id IN temp.doomed_runs AND NOT EXISTS (
            SELECT 1 FROM run_seals n WHERE n.position = s.position + 1 AND n.run_id IN temp.doomed_runs);
        DELETE FROM run_seals WHERE run_id IN temp.doomed_runs;
        DELETE FROM seal_gaps WHERE sealed_by IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM run_seals WHERE position = seal_gaps.last_position + 1)
          AND NOT EXISTS (SELECT 1 FROM run_seals WHERE position = seal_gaps.sealed_by);
        DELETE FROM scripts WHERE run_id IN temp.doomed_runs;
        DELETE FROM phases WHERE run_id IN temp.doomed_runs;
        DELETE FROM deployments WHERE run_id IN temp.doomed_runs;
        DELETE FROM input_chunks WHERE run_id IN temp.doomed_runs;
        DELETE FROM file_changes WHERE run_id IN temp.doomed_runs;
        DELETE FROM file_watches WHERE run_id IN temp.doomed_runs;
        DELETE FROM run_inputs WHERE run_id IN temp.doomed_runs;
        INSERT INTO pruned_runs (status, count)
          SELECT status, count(*) FROM runs WHERE id IN temp.doomed_runs GROUP BY status
          ON CONFLICT (status) DO UPDATE SET count = count + excluded.count;
        DELETE FROM runs WHERE id IN temp.doomed_runs;
        DELETE FROM contents WHERE refs <= 0 AND id IN (SELECT id FROM temp.doomed_references);
        DELETE FROM temp.doomed_runs;
        DELETE FROM temp.doomed_references;
        """)
      return report
    }
  }

  /// The runs a prune removes: beyond the newest `keepRuns` or older than
  /// `olderThan`, never running, never the newest success or failure.
  private func doomedRuns(keepRuns: Int?, olderThan: Int64?) throws -> Set<Int64> {
    var doomed = Set<Int64>()
    let running = Statement.Value.word(RunStatus.running)
    if let keepRuns, keepRuns > 0 {
      doomed.formUnion(
        try database.rows(
          "SELECT id FROM runs WHERE status != ? AND id < (SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?)",
          [running, .integer(Int64(keepRuns - 1))], { $0.int64(0) }))
    }
    if let olderThan {
      doomed.formUnion(
        try database.rows(
          "SELECT id FROM runs WHERE status != ? AND started_at < ?", [running, .integer(olderThan)], { $0.int64(0) }))
    }
    let newestFailure =
      "SELECT max(id) FROM runs WHERE status IN (\(SQLList.placeholders(RunStatus.failures.count)))"
    for (sql, values) in [
      ("SELECT max(id) FROM runs WHERE status = ?", [Statement.Value.word(RunStatus.success)]),
      (
        "SELECT max(id) FROM runs WHERE status = ? AND \(HistoryQueries.ranScripts)",
        [Statement.Value.word(RunStatus.success)]
      ),
      (newestFailure, SQLList.values(RunStatus.failures)),
    ] {
      if let found = try database.firstRow(sql, values, { $0.optionalInt64(0) }), let id = found {
        doomed.remove(id)
      }
    }
    return doomed
  }

  /// Fills `temp.doomed_runs` and `temp.doomed_references` and takes the
  /// doomed runs' references off the contents' counts.
  private func collectReferences(of doomed: Set<Int64>) throws(SQLiteError) {
    try database.execute(
      """
      CREATE TEMP TABLE IF NOT EXISTS doomed_runs (id INTEGER PRIMARY KEY);
      CREATE TEMP TABLE IF NOT EXISTS doomed_references (id INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS temp.doomed_references_id ON doomed_references (id);
      DELETE FROM temp.doomed_runs;
      DELETE FROM temp.doomed_references;
      """)
    for id in doomed { try database.statement("INSERT INTO temp.doomed_runs (id) VALUES (?)").run([.integer(id)]) }
    try database.execute(
      """
      INSERT INTO temp.doomed_references (id)
        SELECT content_id FROM run_inputs WHERE run_id IN temp.doomed_runs AND content_id IS NOT NULL
        UNION ALL SELECT content_id FROM input_chunks WHERE run_id IN temp.doomed_runs
        UNION ALL SELECT content_id FROM scripts WHERE run_id IN temp.doomed_runs AND content_id IS NOT NULL
        UNION ALL SELECT content_id FROM file_changes WHERE run_id IN temp.doomed_runs AND content_id IS NOT NULL
        UNION ALL SELECT stdout_head FROM scripts WHERE run_id IN temp.doomed_runs AND stdout_head IS NOT NULL
        UNION ALL SELECT stdout_tail FROM scripts WHERE run_id IN temp.doomed_runs AND stdout_tail IS NOT NULL
        UNION ALL SELECT stderr_head FROM scripts WHERE run_id IN temp.doomed_runs AND stderr_head IS NOT NULL
        UNION ALL SELECT stderr_tail FROM scripts WHERE run_id IN temp.doomed_runs AND stderr_tail IS NOT NULL;
      UPDATE contents SET refs = refs - (SELECT count(*) FROM temp.doomed_references d WHERE d.id = contents.id)
        WHERE id IN (SELECT id FROM temp.doomed_references);
      """)
  }
}
