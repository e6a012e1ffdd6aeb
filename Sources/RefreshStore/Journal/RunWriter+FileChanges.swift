import ContentEncoding
import RefreshVocabulary

extension RunWriter {
  /// Records one version of a watched path and makes it the path's last
  /// recorded state (a deletion removes it; a rename removes the old name).
  ///
  /// A rewritten file costs six statements: its previous state's content,
  /// the content stored (looked up, then inserted or counted), the
  /// version, the state replaced in place, the previous content released.
  /// `contents.refs` counts this version's reference and, unless the change
  /// is a deletion, the state's (moved from the previous content only when
  /// the text differs).
  func insertFileChange(_ change: FileChangeRecord, runID: Int64) throws(SQLiteError) {
    let keepsState = change.change != .deleted
    let previous = keepsState ? try stateContent(path: change.path) : nil
    let content = try change.content.map { bytes throws(SQLiteError) in
      let digest = Self.contentDigest(of: bytes, in: change)
      let stateMoves = keepsState && previous?.sha256 != digest
      return try storeContent(bytes, digest: digest, references: stateMoves ? 2 : 1)
    }
    let state = change.state
    try database.statement(
      """
      INSERT INTO file_changes (run_id, path, change, renamed_from, found, phase, script, by_refresh, seen_at,
        file_kind, size, mode, owner, grp, mtime_ns, sha256, content_id, secret, binary, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """
    ).run([
      .integer(runID), .text(change.path), .word(change.change), .text(orNull: change.renamedFrom),
      .word(change.found), .text(orNull: change.phase?.rawValue), .text(orNull: change.script),
      .integer(change.byRefresh ? 1 : 0), .integer(change.seenAt), .text(state.kind.rawValue), .integer(state.size),
      .integer(state.mode), .integer(state.owner), .integer(state.group), .integer(state.modified),
      .text(orNull: change.sha256), .integer(orNull: content), .integer(change.secret ? 1 : 0),
      .integer(change.binary ? 1 : 0), .text(orNull: change.error),
    ])
    if let from = change.renamedFrom { try forgetFileState(path: from) }
    guard keepsState else {
      try forgetFileState(path: change.path)
      return
    }
    try replaceFileState(change, content: content)
    // The state's reference moved off the previous content (onto the new
    // one, counted when it was stored, or onto none).
    if let old = previous?.content, old != content { try release(content: old) }
  }

  /// The digest `contents` keeps `bytes` under: the change's own when it is
  /// the plain digest of the file (kept whole and unmasked, or a link's
  /// target: then `bytes` are what it digested), made again otherwise (a
  /// masked text's digest is keyed, and not of what is kept).
  static func contentDigest(of bytes: [UInt8], in change: FileChangeRecord) -> String {
    guard let digest = change.sha256, !digest.hasPrefix(ContentDigest.keyedPrefix) else {
      return ContentDigest.sha256Hex(bytes)
    }
    assert(digest == ContentDigest.sha256Hex(bytes), "a plain digest that is not of the kept bytes: \(change.path)")
    return digest
  }

  /// The content the path's last recorded state refers to, with its digest;
  /// nil when the path has no state, `content` nil when the state has none.
  private func stateContent(path: String) throws(SQLiteError) -> (content: Int64?, sha256: String?)? {
    try database.firstRow(
      "SELECT s.content_id, c.sha256 FROM file_state s LEFT JOIN contents c ON c.id = s.content_id WHERE s.path = ?",
      [.text(path)]
    ) { row throws(SQLiteError) in (row.optionalInt64(0), row.optionalText(1)) }
  }

  private func replaceFileState(_ change: FileChangeRecord, content: Int64?) throws(SQLiteError) {
    let state = change.state
    try database.statement(
      """
      INSERT INTO file_state (path, file_kind, device, inode, size, mtime_ns, ctime_ns, mode, owner, grp, sha256,
        content_id, secret)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET file_kind = excluded.file_kind, device = excluded.device,
        inode = excluded.inode, size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
        mode = excluded.mode, owner = excluded.owner, grp = excluded.grp, sha256 = excluded.sha256,
        content_id = excluded.content_id, secret = excluded.secret
      """
    ).run([
      .text(change.path), .text(state.kind.rawValue), .integer(state.device), .integer(state.inode),
      .integer(state.size),
      .integer(state.modified), .integer(state.changed), .integer(state.mode), .integer(state.owner),
      .integer(state.group), .text(orNull: change.sha256), .integer(orNull: content),
      .integer(change.secret ? 1 : 0),
    ])
  }

  /// Removes `path`'s last recorded state, and its content when nothing
  /// else refers to it.
  private func forgetFileState(path: String) throws(SQLiteError) {
    let content = try database.firstRow(
      "SELECT content_id FROM file_state WHERE path = ?", [.text(path)], { $0.optionalInt64(0) })
    try database.statement("DELETE FROM file_state WHERE path = ?").run([.text(path)])
    guard let content, let id = content else { return }
    try release(content: id)
  }

  /// Drops one reference to a content, and the content with the last.
  private func release(content id: Int64) throws(SQLiteError) {
    try database.statement("UPDATE contents SET refs = refs - 1 WHERE id = ? AND refs > 1").run([.integer(id)])
    guard database.changedRows == 0 else { return }
    try database.statement("DELETE FROM contents WHERE id = ?").run([.integer(id)])
  }

  /// Records (or records again) how run `runID` watched its files.
  func upsertFileWatch(_ watch: FileWatchRecord, runID: Int64) throws(SQLiteError) {
    try database.statement(
      """
      INSERT INTO file_watches (run_id, method, paths, complete, incomplete_reason, changes_lost)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id) DO UPDATE SET method = excluded.method, paths = excluded.paths,
        complete = excluded.complete, incomplete_reason = excluded.incomplete_reason,
        changes_lost = excluded.changes_lost
      """
    ).run([
      .integer(runID), .word(watch.method), .text(JSONText.array(watch.paths)), .integer(watch.complete ? 1 : 0),
      .text(orNull: watch.incompleteReason), .integer(orNull: watch.changesLost),
    ])
  }
}
