import ContentEncoding
import FileWatch
import RefreshVocabulary

/// A watched path's last recorded state, with its digest.
public struct StoredFileState: Sendable, Equatable {
  public var state: FileState
  public var sha256: String?
  public var secret: Bool
}

/// How a run watched the node's files, in counts, with its first changes
/// (what metrics and traces say of it).
public struct FileWatchSummary: Sendable, Equatable {
  public var watch: FileWatchRecord
  /// Changes made during the run by its processes, and by others.
  public var changedByRefresh: Int64
  public var changedOutside: Int64
  /// Changes found at its start, made since the last refresh outside any.
  public var drifted: Int64
  /// The first ``eventLimit`` changes (drift, then during the run).
  public var first: [FileChangeRecord]
  /// How many changes ``first`` holds at most.
  public static let eventLimit = 256
  /// The last few changes made during the run, newest first (what `status` shows).
  public var latest: [FileChangeRecord] = []
}

/// One recorded version of a watched path.
public struct FileVersion: Sendable, Equatable {
  /// Its row id (versions of a path are ordered by it).
  public var id: Int64
  public var runID: Int64
  public var record: FileChangeRecord
  /// Whether its content was kept.
  public var hasContent: Bool

  /// A version.
  public init(id: Int64, runID: Int64, record: FileChangeRecord, hasContent: Bool) {
    (self.id, self.runID, self.record, self.hasContent) = (id, runID, record, hasContent)
  }
}

extension HistoryQueries {
  private static let versionColumns = """
    SELECT id, run_id, path, change, renamed_from, found, phase, script, by_refresh, seen_at, file_kind, size, mode,
      owner, grp, mtime_ns, sha256, content_id IS NOT NULL, secret, binary, error FROM file_changes
    """

  private static func version(_ row: Statement) throws(SQLiteError) -> FileVersion {
    let state = FileState(
      kind: FileState.Kind(rawValue: row.text(10)) ?? .special, device: 0, inode: 0, size: row.optionalInt64(11) ?? 0,
      modified: row.optionalInt64(15) ?? 0,
      changed: 0, mode: row.optionalInt64(12) ?? 0, owner: row.optionalInt64(13) ?? 0,
      group: row.optionalInt64(14) ?? 0)
    var record = FileChangeRecord(
      path: row.text(2), change: try row.word(3), found: try row.word(5), byRefresh: row.int64(8) != 0,
      seenAt: row.int64(9), state: state)
    record.renamedFrom = row.optionalText(4)
    record.phase = try row.optionalWord(6)
    record.script = row.optionalText(7)
    record.sha256 = row.optionalText(16)
    (record.secret, record.binary, record.error) = (row.int64(18) != 0, row.int64(19) != 0, row.optionalText(20))
    return FileVersion(id: row.int64(0), runID: row.int64(1), record: record, hasContent: row.int64(17) != 0)
  }

  /// The last recorded states of the paths under `roots` (each root, and
  /// what lies below it), read by ranges of the state's key: states kept
  /// for paths no longer watched cost nothing. May hold a few paths beside
  /// a root (`/etc-old` beside `/etc`): callers keep only their scope's.
  public func fileStates(under roots: [String]) throws -> [String: StoredFileState] {
    // Byte order: every path below `root` lies between it and `root` + "0"
    // ("/" + 1); the root "/" is everything.
    let ranges = roots.map { root in root == "/" ? ("", "\u{10FFFF}") : (root, root + "0") }
    var count: Int64 = 0
    for (low, high) in ranges {
      count +=
        try database.firstRow(
          "SELECT count(*) FROM file_state WHERE path >= ? AND path < ?", [.text(low), .text(high)]
        ) { $0.int64(0) } ?? 0
    }
    var states = [String: StoredFileState](minimumCapacity: Int(clamping: count))
    let statement = try database.statement(
      """
      SELECT path, file_kind, device, inode, size, mtime_ns, ctime_ns, mode, owner, grp, sha256, secret
      FROM file_state WHERE path >= ? AND path < ?
      """)
    defer { statement.reset() }
    for (low, high) in ranges {
      statement.reset()
      try statement.bind([.text(low), .text(high)])
      while try statement.step() {
        let state = FileState(
          kind: FileState.Kind(rawValue: statement.text(1)) ?? .special, device: statement.int64(2),
          inode: statement.int64(3), size: statement.int64(4), modified: statement.int64(5),
          changed: statement.int64(6), mode: statement.int64(7), owner: statement.int64(8), group: statement.int64(9))
        states[statement.text(0)] = StoredFileState(
          state: state, sha256: statement.optionalText(10), secret: statement.int64(11) != 0)
      }
    }
    return states
  }

  /// The paths the newest run that watched its files watched; nil when none did.
  public func lastWatchedPaths() throws -> [String]? {
    try database.firstRow("SELECT paths FROM file_watches ORDER BY run_id DESC LIMIT 1", []) { row in
      JSONStrings.parse(row.text(0))
    } ?? nil
  }

  /// How run `id` watched its files; nil when it did not.
  public func fileWatch(run id: Int64) throws -> FileWatchRecord? {
    try database.firstRow(
      "SELECT method, paths, complete, incomplete_reason, changes_lost FROM file_watches WHERE run_id = ?",
      [.integer(id)]
    ) { row throws(SQLiteError) in
      var watch = FileWatchRecord(
        method: try row.word(0), paths: JSONStrings.parse(row.text(1)) ?? [], complete: row.int64(2) != 0)
      (watch.incompleteReason, watch.changesLost) = (row.optionalText(3), row.optionalInt64(4))
      return watch
    }
  }

  /// The versions run `id` recorded (its baseline apart), in the order found.
  public func fileChanges(run id: Int64) throws -> [FileVersion] {
    try database.rows(
      Self.versionColumns + " WHERE run_id = ? AND found != ? ORDER BY id",
      [.integer(id), .word(FileChangeTime.baseline)],
      Self.version)
  }

  /// The changes recorded after run `after` (nil: from the first) through
  /// run `through`, baselines apart, oldest first, at most `limit` (the newest).
  public func fileChanges(after: Int64?, through: Int64, limit: Int = 10_000) throws -> [FileVersion] {
    try database.rows(
      "SELECT * FROM (" + Self.versionColumns
        + " WHERE run_id > ? AND run_id <= ? AND found != ? ORDER BY id DESC LIMIT ?) ORDER BY id",
      [.integer(after ?? 0), .integer(through), .word(FileChangeTime.baseline), .integer(Int64(limit))],
      Self.version)
  }

  /// Every recorded version of `path`, oldest first, at most `limit` (the newest).
  public func fileVersions(path: String, limit: Int = 10_000) throws -> [FileVersion] {
    try database.rows(
      "SELECT * FROM (" + Self.versionColumns + " WHERE path = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
      [.text(path), .integer(Int64(limit))], Self.version)
  }

  /// The version of `path` as it stood at the end of run `run`: the newest
  /// recorded by that run or before it.
  public func fileVersion(path: String, atRun run: Int64) throws -> FileVersion? {
    try database.firstRow(
      Self.versionColumns + " WHERE path = ? AND run_id <= ? ORDER BY id DESC LIMIT 1", [.text(path), .integer(run)],
      Self.version)
  }

  /// The rename that took `path` away after version `version`, through run
  /// `run`: then `path` no longer existed.
  public func renamedAway(_ version: FileVersion, through run: Int64) throws -> FileVersion? {
    try database.firstRow(
      Self.versionColumns + " WHERE renamed_from = ? AND id > ? AND run_id <= ? ORDER BY id LIMIT 1",
      [.text(version.record.path), .integer(version.id), .integer(run)], Self.version)
  }

  /// The state of `path` at the end of run `run`: its newest version then,
  /// and whether it still existed (not deleted, not renamed away).
  public func fileState(path: String, atRun run: Int64) throws -> (version: FileVersion, exists: Bool)? {
    guard let version = try fileVersion(path: path, atRun: run) else { return nil }
    let gone = try version.record.change == .deleted || renamedAway(version, through: run) != nil
    return (version, !gone)
  }

  /// The version of the same path (or, for a rename, of its old name)
  /// recorded before version `version`.
  public func previousVersion(of version: FileVersion) throws -> FileVersion? {
    let path = version.record.renamedFrom ?? version.record.path
    return try database.firstRow(
      Self.versionColumns + " WHERE path = ? AND id < ? ORDER BY id DESC LIMIT 1",
      [.text(path), .integer(version.id)], Self.version)
  }

  /// The kept content of version `id` (secrets masked as stored).
  public func fileContent(version id: Int64) throws -> [UInt8]? {
    try database.firstRow(
      "SELECT c.data FROM file_changes f JOIN contents c ON c.id = f.content_id WHERE f.id = ?", [.integer(id)],
      { $0.blob(0) })
  }

  /// The kept content of `path`'s last recorded state.
  public func lastContent(path: String) throws -> [UInt8]? {
    try database.firstRow(
      "SELECT c.data FROM file_state s JOIN contents c ON c.id = s.content_id WHERE s.path = ?", [.text(path)],
      { $0.blob(0) })
  }

  /// The newest run that watched files.
  public func lastWatchingRun() throws -> Int64? {
    try database.firstRow("SELECT max(run_id) FROM file_watches", []) { $0.optionalInt64(0) } ?? nil
  }

  /// How run `id` watched its files, in counts; nil when it did not.
  public func fileWatchSummary(run id: Int64) throws -> FileWatchSummary? {
    guard let watch = try fileWatch(run: id) else { return nil }
    let counts =
      try database.firstRow(
        """
        SELECT coalesce(sum(found = ?2 AND by_refresh = 1), 0), coalesce(sum(found = ?2 AND by_refresh = 0), 0),
          coalesce(sum(found = ?3), 0) FROM file_changes WHERE run_id = ?1
        """, [.integer(id), .word(FileChangeTime.duringRun), .word(FileChangeTime.beforeRun)]
      ) { ($0.int64(0), $0.int64(1), $0.int64(2)) } ?? (0, 0, 0)
    // The drift found at the start, then the run's own changes, each
    // oldest first: two reads along the run's index that stop at their
    // limits (one read ordered by `found = 'before_run'` sorted every row
    // of the run: 13 ms for 20,000 changes, at each run's start and end).
    let oldest = { (found: FileChangeTime, count: Int64) throws -> [FileVersion] in
      guard count > 0 else { return [] }
      return try self.database.rows(
        Self.versionColumns + " WHERE run_id = ? AND found = ? ORDER BY id LIMIT ?",
        [.integer(id), .word(found), .integer(count)], Self.version)
    }
    let limit = Int64(FileWatchSummary.eventLimit)
    let drift = try oldest(.beforeRun, min(limit, counts.2))
    let first = try drift + oldest(.duringRun, limit - Int64(drift.count))
    let latest = try database.rows(
      Self.versionColumns + " WHERE run_id = ? AND found = ? ORDER BY id DESC LIMIT 5",
      [.integer(id), .word(FileChangeTime.duringRun)], Self.version)
    return FileWatchSummary(
      watch: watch, changedByRefresh: counts.0, changedOutside: counts.1, drifted: counts.2, first: first.map(\.record),
      latest: latest.map(\.record))
  }
}
