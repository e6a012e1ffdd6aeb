import RefreshVocabulary

/// Rewriting what earlier versions stored in clear (migrations 0004, 0011),
/// run by run, in short batches that never stand before a script.
extension HistoryStore {
  /// Where the scrub of secrets stored by an earlier version stands.
  public struct ScrubProgress: Sendable, Equatable {
    /// The first run not rewritten yet.
    public var nextRun: Int64
    /// The newest run recorded before the upgrade.
    public var lastRun: Int64
    /// How many runs were to be rewritten, and how many of them still are.
    public var totalRuns: Int64
    public var remainingRuns: Int64
  }

  /// What the scrub makes of one stored metadata file.
  public struct ScrubbedContent: Sendable, Equatable {
    /// The content to keep instead (nil: none), or nothing to keep it.
    public var bytes: [UInt8]??
    /// The digest to store instead (nil: none), or nothing to keep it: a
    /// file whose secrets were masked when it was recorded already has its
    /// keyed digest, and digesting that again would make every unchanged
    /// secret read as changed across the upgrade.
    public var digest: String??

    public init(bytes: [UInt8]??, digest: String??) {
      self.bytes = bytes
      self.digest = digest
    }
  }

  /// The scrub still to do, nil when there is none.
  public var scrubProgress: ScrubProgress? {
    try? database.firstRow(
      """
      SELECT next_run, last_run, total_runs,
        (SELECT count(*) FROM runs WHERE id >= next_run AND id <= last_run) FROM scrub_progress LIMIT 1
      """
    ) { ScrubProgress(nextRun: $0.int64(0), lastRun: $0.int64(1), totalRuns: $0.int64(2), remainingRuns: $0.int64(3)) }
  }

  /// Whether a scrub of secrets stored by an earlier version is pending.
  public var secretsScrubPending: Bool { scrubProgress != nil }

  /// Rewrites the next runs' stored metadata (`content`, given each file's
  /// stored bytes and digest, says what to keep instead) and command lines (`commandLine`: nil leaves one), in one
  /// transaction with `secure_delete` on, so the old bytes are overwritten,
  /// not merely freed (in the write-ahead log: ``checkpoint()`` after the
  /// last batch copies them over the old pages). Stops after `maxRuns` runs
  /// or once `enough()` says so (asked after each run). Returns where the
  /// scrub stands, nil once done.
  ///
  /// Each content freed is deleted with the foreign key checks off: with
  /// them on, SQLite looks for its references in every column that names
  /// `contents`, scanning `scripts` five times for each (0.67 s a content
  /// on a 3000-run history). The reference count says none is left, and it
  /// is kept in the same transaction.
  @discardableResult
  public func scrubBatch(
    maxRuns: Int, enough: () -> Bool, content: (_ stored: [UInt8], _ digest: String?) -> ScrubbedContent,
    commandLine: (String) -> String?
  ) throws -> ScrubProgress? {
    try database.execute("PRAGMA secure_delete = ON")
    try database.withoutForeignKeyChecks { () throws(SQLiteError) in
      // Not synced batch by batch (a sync could hold one back 50 ms): the
      // scrub is idempotent and resumable, so a batch a crash takes back is
      // done again; the checkpoint after the last batch syncs them all.
      try database.transaction(durable: false) { () throws(SQLiteError) in
        guard let progress = scrubProgress else { return }
        let runs = try database.rows(
          "SELECT id, command_line FROM runs WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?",
          [.integer(progress.nextRun), .integer(progress.lastRun), .integer(Int64(maxRuns))]
        ) { ($0.int64(0), $0.text(1)) }
        var next = progress.nextRun
        for (run, line) in runs {
          try scrubInputs(of: run, content: content)
          if let scrubbed = commandLine(line) {
            try database.statement("UPDATE runs SET command_line = ? WHERE id = ?").run([
              .text(scrubbed), .integer(run),
            ])
          }
          next = run + 1
          if enough() { break }
        }
        let left = try database.firstRow(
          "SELECT count(*) FROM runs WHERE id >= ? AND id <= ?", [.integer(next), .integer(progress.lastRun)]
        ) { $0.int64(0) }
        if left ?? 0 > 0 {
          try database.statement("UPDATE scrub_progress SET next_run = ?").run([.integer(next)])
        } else {
          try database.execute("DELETE FROM scrub_progress")
        }
      }
    }
    return scrubProgress
  }

  /// Rewrites run `run`'s stored metadata files, whole or chunked.
  private func scrubInputs(of run: Int64, content: ([UInt8], String?) -> ScrubbedContent) throws(SQLiteError) {
    let inputs = try database.rows(
      "SELECT position, content_id, chunked, sha256 FROM run_inputs WHERE run_id = ? AND kind = ? ORDER BY position",
      [.integer(run), .word(InputKind.config)]
    ) { ($0.int64(0), $0.optionalInt64(1), $0.int64(2) != 0, $0.optionalText(3)) }
    for (position, contentID, chunked, digest) in inputs where contentID != nil || chunked {
      let key: [Statement.Value] = [.integer(run), .word(InputKind.config), .integer(position)]
      let chunks = try database.rows(
        """
        SELECT c.id, c.data FROM input_chunks i JOIN contents c ON c.id = i.content_id
        WHERE i.run_id = ? AND i.kind = ? AND i.position = ? ORDER BY i.seq
        """, key
      ) { ($0.int64(0), $0.blob(1)) }
      let whole = try contentID.flatMap { id throws(SQLiteError) in
        try database.firstRow("SELECT id, data FROM contents WHERE id = ?", [.integer(id)]) {
          ($0.int64(0), $0.blob(1))
        }
      }
      let parts = (whole.map { [$0] } ?? []) + chunks
      let scrubbed = content(parts.flatMap(\.1), digest)
      if let newDigest = scrubbed.digest {
        try database.statement("UPDATE run_inputs SET sha256 = ? WHERE run_id = ? AND kind = ? AND position = ?")
          .run([.text(orNull: newDigest)] + key)
      }
      guard let bytes = scrubbed.bytes else { continue }
      try database.statement("DELETE FROM input_chunks WHERE run_id = ? AND kind = ? AND position = ?").run(key)
      try writer.storeInputContent(bytes, runID: run, kind: InputKind.config.rawValue, position: position)
      for (id, _) in parts {
        try database.statement("UPDATE contents SET refs = refs - 1 WHERE id = ?").run([.integer(id)])
        try database.statement("DELETE FROM contents WHERE id = ? AND refs <= 0").run([.integer(id)])
      }
    }
  }

  /// Records that nothing stored needs the scrub: for a history written by
  /// today's code only (the bench's generator), which never stores a secret
  /// in clear.
  public func markScrubbed() throws {
    try database.execute("DELETE FROM scrub_progress")
  }
}
