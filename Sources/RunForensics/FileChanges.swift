import RefreshStore
import RefreshVocabulary

/// One recorded change with what differs in its lines.
public struct FileChangeEntry: Sendable, Equatable {
  public let version: FileVersion
  /// Lines added and removed against the version before; nil when either
  /// side's content was not kept (secret, binary, too large, or no earlier one).
  public var linesAdded: Int?
  public var linesRemoved: Int?
  /// The unified diff against the version before (secrets masked as
  /// stored), when asked for and both sides were kept.
  public var diff: String?
}

/// A package changed during a run, with the script that ran then.
public struct RunPackageChange: Sendable, Equatable {
  public let change: PackageChange
  public let phase: Phase?
  public let script: String?
}

/// What a run did to the node's files: its changes, the drift found at its
/// start, and the packages changed while it ran.
public struct RunFileChanges: Sendable, Equatable {
  public let runID: Int64
  /// How it watched; nil when it did not.
  public let watch: FileWatchRecord?
  /// Changes made during the run, then those found at its start, each in the order found.
  public let entries: [FileChangeEntry]
  public let packages: [RunPackageChange]

  /// Reads run `run`'s changes from `queries`; with `diffs`, each with its
  /// unified diff. Packages from the node's package logs under `root`.
  public static func read(run: Int64, queries: HistoryQueries, diffs: Bool, root: String = "/") throws
    -> RunFileChanges
  {
    try queries.snapshot {
      let detail = try queries.run(run)
      let versions = try queries.fileChanges(run: run)
      let ordered =
        versions.filter { $0.record.found == .duringRun } + versions.filter { $0.record.found != .duringRun }
      let entries = try ordered.map { try entry($0, queries: queries, diff: diffs) }
      let scripts = try queries.scripts(run: run)
      let end = detail.summary.finishedAt ?? Int64.max
      let packages = PackageLog(root: root).changes(after: detail.summary.startedAt, upTo: end).changes.map {
        change in
        let script = scripts.last { $0.startedAt <= change.at && change.at <= ($0.finishedAt ?? .max) }
        return RunPackageChange(change: change, phase: script?.phase, script: script?.name)
      }
      return RunFileChanges(runID: run, watch: try queries.fileWatch(run: run), entries: entries, packages: packages)
    }
  }

  /// `version` with its line counts (and diff) against the version before it.
  public static func entry(_ version: FileVersion, queries: HistoryQueries, diff: Bool) throws -> FileChangeEntry {
    var entry = FileChangeEntry(version: version)
    guard version.hasContent, version.record.change != .metadata, version.record.change != .deleted else {
      return entry
    }
    let new = try queries.fileContent(version: version.id) ?? []
    var old: [UInt8] = []
    if version.record.change != .created {
      guard let previous = try queries.previousVersion(of: version), previous.hasContent,
        let bytes = try queries.fileContent(version: previous.id)
      else { return entry }
      old = bytes
    }
    let compared = LineCounts.compare(
      old: old, new: new, diff: diff,
      labels: ("a" + (version.record.renamedFrom ?? version.record.path), "b" + version.record.path))
    (entry.linesAdded, entry.linesRemoved) = (compared.added, compared.removed)
    if diff {
      entry.diff =
        compared.diff
        ?? "(\(compared.added) lines added and \(compared.removed) removed: too many to diff here)\n"
    }
    return entry
  }

  /// How many files it changed (drift and baseline apart).
  public var filesChanged: Int { entries.filter { $0.version.record.found == .duringRun }.count }
}

extension FileChangeEntry {
  /// An entry without counts.
  public init(version: FileVersion) { self.version = version }
}

/// Lines added and removed between two texts: exactly (Myers) when the
/// part between their common ends is small, else by counting lines as
/// multisets, which takes a moved line for one added and one removed.
enum LineCounts {
  /// The most lines between the common ends diffed exactly: Myers' trace
  /// grows with lines times differences.
  static let exactLimit = 2000

  /// Lines added and removed from `old` to `new` and, with `diff`, their
  /// unified diff headed by `labels` (nil past ``exactLimit``).
  static func compare(old: [UInt8], new: [UInt8], diff: Bool, labels: (old: String, new: String)) -> (
    added: Int, removed: Int, diff: String?
  ) {
    let (oldText, newText) = (String(decoding: old, as: UTF8.self), String(decoding: new, as: UTF8.self))
    let (a, b) = middles(old: oldText, new: newText)
    let (added, removed) = counts(a, b)
    guard diff, a.count + b.count <= exactLimit else { return (added, removed, nil) }
    return (added, removed, UnifiedDiff.text(old: oldText, new: newText, oldLabel: labels.old, newLabel: labels.new))
  }

  private static func counts(_ a: ArraySlice<Substring>, _ b: ArraySlice<Substring>) -> (added: Int, removed: Int) {
    guard a.count + b.count <= exactLimit else {
      var counts: [Substring: Int] = [:]
      for line in a { counts[line, default: 0] += 1 }
      var added = 0
      for line in b {
        if let count = counts[line], count > 0 { counts[line] = count - 1 } else { added += 1 }
      }
      return (added, counts.values.reduce(0, +))
    }
    let edits = UnifiedDiff.script(a.map(String.init), b.map(String.init))
    var added = 0
    var removed = 0
    for edit in edits {
      switch edit {
      case .insert: added += 1
      case .delete: removed += 1
      case .same: break
      }
    }
    return (added, removed)
  }

  /// The lines of each text between their common first and last lines.
  private static func middles(old: String, new: String) -> (ArraySlice<Substring>, ArraySlice<Substring>) {
    var a = old.split(separator: "\n", omittingEmptySubsequences: false)[...]
    var b = new.split(separator: "\n", omittingEmptySubsequences: false)[...]
    if a.last == "" { a = a.dropLast() }
    if b.last == "" { b = b.dropLast() }
    while let first = a.first, first == b.first {
      a = a.dropFirst()
      b = b.dropFirst()
    }
    while let last = a.last, last == b.last {
      a = a.dropLast()
      b = b.dropLast()
    }
    return (a, b)
  }
}
