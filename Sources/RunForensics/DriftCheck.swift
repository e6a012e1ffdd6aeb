import ContentEncoding
import FileWatch
import RefreshStore
import RefreshVocabulary
import SecretHiding
import SystemInterface

/// A watched path that changed since the last refresh, outside any.
public struct DriftEntry: Sendable, Equatable {
  public var record: FileChangeRecord
  public var linesAdded: Int?
  public var linesRemoved: Int?
  public var diff: String?
}

/// What changed in the watched files since the last refresh ended, found
/// now by a stat scan against the history's last recorded states, and
/// recorded nowhere: what `os-refresh-config drift` answers.
public struct DriftReport: Sendable, Equatable {
  /// The newest run that watched files; nil when none has.
  public let sinceRun: Int64?
  public let paths: [String]
  /// Whether the scan listed everything.
  public let complete: Bool
  public let unreadable: [String]
  public let entries: [DriftEntry]

  /// Compares the watched paths now with the history's last states: the
  /// paths the newest watching run watched, or `paths` when given; `key`
  /// (the history's) tells a masked file's content by its keyed digest.
  /// The history's own files (`history`, and those beside it named after
  /// it) are never compared.
  public static func check(
    queries: HistoryQueries, key: [UInt8]?, paths given: [String], excludes: [String], history: String, diffs: Bool
  ) throws -> DriftReport {
    let since = try queries.lastWatchingRun()
    let paths = given.isEmpty ? (try queries.lastWatchedPaths() ?? []) : given
    let own = WatchScope.pattern(forFilesStartingWith: history)
    let scope = WatchScope(paths: paths, excludes: WatchScope.defaultExcludes + [own] + excludes)
    let stored = try queries.fileStates(under: paths)
    let inScope = stored.filter { scope.contains($0.key) }
    let snapshot = TreeScan.scan(scope)
    let spans = CredentialSpans()
    var entries: [DriftEntry] = []
    for change in TreeComparison.changes(from: inScope.mapValues(\.state), to: snapshot) {
      guard let current = change.state ?? change.previous else { continue }
      var record = FileChangeRecord(
        path: change.path, change: change.kind, found: .beforeRun, byRefresh: false, seenAt: 0,
        state: current)
      record.renamedFrom = change.renamedFrom
      var entry = DriftEntry(record: record)
      if current.kind == .regular, change.kind != .deleted, change.kind != .metadata {
        guard let same = try compare(&entry, stored: inScope, key: key, spans: spans, queries: queries, diff: diffs)
        else { continue }
        if same {
          guard let previous = change.previous, current.metadataDiffers(from: previous) else { continue }
          entry.record.change = .metadata
        }
      }
      entries.append(entry)
    }
    return DriftReport(
      sinceRun: since, paths: scope.paths, complete: snapshot.isComplete, unreadable: snapshot.unreadable.keys.sorted(),
      entries: entries)
  }

  /// Reads the file now and compares it with its last kept state: whether
  /// its content is the same; nil when it vanished meanwhile.
  private static func compare(
    _ entry: inout DriftEntry, stored: [String: StoredFileState], key: [UInt8]?, spans: CredentialSpans,
    queries: HistoryQueries, diff: Bool
  ) throws -> Bool? {
    let path = entry.record.path
    let content: FileContent
    do {
      content = try FileContent.read(path, limit: 1 << 20, key: FileSecrets.isSecretPath(path) ? key : nil)
    } catch {
      if error.code == ENOENT { return nil }
      entry.record.error = error.reason
      return false
    }
    let kept = FileSecrets.kept(
      path: path, bytes: content.bytes, binary: content.binary, sha256: content.sha256,
      keyedSHA256: content.keyedSHA256, key: key, spans: spans)
    (entry.record.sha256, entry.record.secret, entry.record.binary) = (kept.sha256, kept.secret, kept.binary)
    let before = stored[entry.record.renamedFrom ?? path]
    if let before, before.sha256 != nil, before.sha256 == kept.sha256 { return true }
    guard let now = kept.content else { return false }
    let old = entry.record.change == .created ? [] : try queries.lastContent(path: entry.record.renamedFrom ?? path)
    guard let old else { return false }
    let compared = LineCounts.compare(old: old, new: now, diff: diff, labels: ("a" + path, "b" + path))
    (entry.linesAdded, entry.linesRemoved, entry.diff) = (compared.added, compared.removed, compared.diff)
    return false
  }
}
