import RefreshStore
import RefreshVocabulary

/// A watched file whose recorded state differs between two runs.
public struct FileDifference: Sendable, Equatable {
  public let path: String
  /// created (absent at the first run), deleted (absent at the second),
  /// modified (content), metadata (mode or owner only).
  public let change: FileChangeKind
  /// Its versions at the end of each run (nil: never recorded by then).
  public let from: FileVersion?
  public let to: FileVersion?
  public var linesAdded: Int?
  public var linesRemoved: Int?
  public var diff: String?
}

extension RunComparison {
  /// The watched files whose states at the ends of the two runs differ:
  /// every path changed between them (in either direction), compared as
  /// it stood at the end of each; with `diffs`, each one's unified diff
  /// (secrets masked as stored). At most `limit` paths.
  public static func files(from: Int64, to: Int64, queries: HistoryQueries, diffs: Bool, limit: Int = 10_000) throws
    -> [FileDifference]
  {
    let changed = try queries.fileChanges(after: min(from, to), through: max(from, to), limit: limit)
    var paths: [String] = []
    var seen = Set<String>()
    for version in changed {
      for path in [version.record.renamedFrom, version.record.path].compactMap({ $0 }) where seen.insert(path).inserted
      {
        paths.append(path)
      }
    }
    return try paths.sorted().compactMap { path in
      try difference(path, from: from, to: to, queries: queries, diffs: diffs)
    }
  }

  private static func difference(_ path: String, from: Int64, to: Int64, queries: HistoryQueries, diffs: Bool)
    throws -> FileDifference?
  {
    let old = try queries.fileState(path: path, atRun: from)
    let new = try queries.fileState(path: path, atRun: to)
    let (was, isNow) = (old?.exists == true, new?.exists == true)
    let change: FileChangeKind
    switch (was, isNow) {
    case (false, false): return nil
    case (false, true): change = .created
    case (true, false): change = .deleted
    case (true, true):
      guard let a = old?.version.record, let b = new?.version.record else { return nil }
      if a.sha256 != b.sha256 || a.state.kind != b.state.kind {
        change = .modified
      } else if a.state.mode != b.state.mode || a.state.owner != b.state.owner || a.state.group != b.state.group {
        change = .metadata
      } else {
        return nil
      }
    }
    var difference = FileDifference(
      path: path, change: change, from: was ? old?.version : nil, to: isNow ? new?.version : nil)
    let oldBytes = try difference.from.flatMap { $0.hasContent ? try queries.fileContent(version: $0.id) : nil }
    let newBytes = try difference.to.flatMap { $0.hasContent ? try queries.fileContent(version: $0.id) : nil }
    guard change != .metadata, (oldBytes != nil || !was), (newBytes != nil || !isNow) else { return difference }
    let compared = LineCounts.compare(
      old: oldBytes ?? [], new: newBytes ?? [], diff: diffs, labels: ("a\(path) (run \(from))", "b\(path) (run \(to))"))
    (difference.linesAdded, difference.linesRemoved, difference.diff) = (
      compared.added, compared.removed, compared.diff
    )
    return difference
  }
}

extension FileDifference {
  init(path: String, change: FileChangeKind, from: FileVersion?, to: FileVersion?) {
    (self.path, self.change, self.from, self.to) = (path, change, from, to)
  }
}
