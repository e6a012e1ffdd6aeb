import RefreshVocabulary

/// Rewriting what earlier versions stored in clear (migration 0004).
extension HistoryStore {
  /// Whether a scrub of secrets stored by an earlier version is pending.
  public var secretsScrubPending: Bool {
    (try? database.firstRow(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'secrets_scrub_pending'"
    ) { $0.int64(0) })
    .flatMap { $0 } ?? 0 > 0
  }

  /// Rewrites every stored metadata file with `content` (new bytes and
  /// digest, or nil to leave it) and every command line with `commandLine`
  /// (nil to leave it), in one transaction with `secure_delete` on, so the
  /// old bytes are overwritten, not merely freed; then truncates the WAL.
  public func scrubSecrets(
    content: ([UInt8]) -> (bytes: [UInt8]?, digest: String?)?, commandLine: (String) -> String?
  ) throws {
    try database.execute("PRAGMA secure_delete = ON")
    let writer = RunWriter(database: database)
    try database.transaction(durable: true) { () throws(SQLiteError) in
      let inputs = try database.rows(
        """
        SELECT i.run_id, i.kind, i.position, i.content_id, c.data FROM run_inputs i JOIN contents c ON c.id = i.content_id
        WHERE i.kind = ?
        """, [.word(InputKind.config)]
      ) { ($0.int64(0), $0.text(1), $0.int64(2), $0.int64(3), $0.blob(4)) }
      for (run, kind, position, oldContent, data) in inputs {
        guard let replaced = content(data) else { continue }
        let newContent = try replaced.bytes.map { bytes throws(SQLiteError) in try writer.storeContent(bytes) }
        try database.statement(
          "UPDATE run_inputs SET content_id = ?, sha256 = ? WHERE run_id = ? AND kind = ? AND position = ?"
        ).run([
          .integer(orNull: newContent), .text(orNull: replaced.digest), .integer(run), .text(kind), .integer(position),
        ])
        try database.statement("UPDATE contents SET refs = refs - 1 WHERE id = ?").run([.integer(oldContent)])
        try database.statement("DELETE FROM contents WHERE id = ? AND refs <= 0").run([.integer(oldContent)])
      }
      let lines = try database.rows("SELECT id, command_line FROM runs", []) { ($0.int64(0), $0.text(1)) }
      for (run, line) in lines {
        guard let scrubbed = commandLine(line) else { continue }
        try database.statement("UPDATE runs SET command_line = ? WHERE id = ?").run([.text(scrubbed), .integer(run)])
      }
      try database.execute("DROP TABLE secrets_scrub_pending")
    }
    database.withBusyTimeout(milliseconds: 1000) { _ = try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
  }

  /// Records that nothing stored needs the scrub: for a history written by
  /// today's code only (the bench's generator), which never stores a secret
  /// in clear. A refresh on a history marked pending rewrites every run.
  public func markScrubbed() throws {
    try database.execute("DROP TABLE IF EXISTS secrets_scrub_pending")
  }
}
