import ContentEncoding
import RefreshVocabulary

extension RunWriter {
  /// Records one version of a watched path and makes it the path's last
  /// recorded state (a deletion removes it; a rename removes the old name).
  func insertFileChange(_ change: FileChangeRecord, runID: Int64) throws(SQLiteError) {
    let content = try change.content.map { bytes throws(SQLiteError) in try storeContent(bytes) }
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
    guard change.change != .deleted else {
      try forgetFileState(path: change.path)
      return
    }
    try rememberFileState(change, content: content)
  }

  private func rememberFileState(_ change: FileChangeRecord, content: Int64?) throws(SQLiteError) {
    try forgetFileState(path: change.path)
    if let content {
      try database.statement("UPDATE contents SET refs = refs + 1 WHERE id = ?").run([.integer(content)])
    }
    let state = change.state
    try database.statement(
      """
      INSERT INTO file_state (path, file_kind, device, inode, size, mtime_ns, ctime_ns, mode, owner, grp, sha256,
        content_id, secret)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
    try database.statement("UPDATE contents SET refs = refs - 1 WHERE id = ?").run([.integer(id)])
    try database.statement("DELETE FROM contents WHERE id = ? AND refs <= 0").run([.integer(id)])
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
