import ContentEncoding
import RefreshStore
import RefreshVocabulary
import RunForensics

/// `history changes [RUN]`: what a run did to the node's files, by script,
/// then what changed outside it, then the packages it changed.
public struct FileChangesView {
  let changes: RunFileChanges

  /// A view of `changes`.
  public init(_ changes: RunFileChanges) { self.changes = changes }

  // MARK: - JSON

  /// The JSON object (docs/changes.md#the-json-contract).
  public var json: String {
    let watch = changes.watch
    return JSONText.object([
      ("run", .integer(changes.runID)), ("method", RunJSON.string(watch?.method.rawValue)),
      ("complete", watch.map { .bool($0.complete) } ?? .null),
      ("incomplete_reason", RunJSON.string(watch?.incompleteReason)),
      ("changes_lost", RunJSON.integer(watch?.changesLost)),
      ("watched_paths", .array((watch?.paths ?? []).map { .string($0) })),
      ("files_changed", .integer(Int64(changes.filesChanged))),
      ("files", .array(changes.entries.map(Self.json))),
      ("packages", .array(changes.packages.map(Self.json))),
    ]).rendered
  }

  static func json(_ entry: FileChangeEntry) -> JSONText {
    let record = entry.version.record
    var members: [(String, JSONText)] = [
      ("path", .string(record.path)), ("change", .string(record.change.rawValue)),
      ("renamed_from", RunJSON.string(record.renamedFrom)), ("phase", RunJSON.string(record.phase?.rawValue)),
      ("script", RunJSON.string(record.script)), ("by_refresh", .bool(record.byRefresh)),
      ("when", .string(record.found.rawValue)), ("seen_at", RunJSON.time(record.seenAt)),
      ("kind", .string(record.state.kind.rawValue)), ("secret", .bool(record.secret)), ("binary", .bool(record.binary)),
      ("size", record.change == .deleted ? .null : .integer(record.state.size)),
      ("mode", record.change == .deleted ? .null : .string(String(record.state.mode, radix: 8))),
      ("sha256", RunJSON.string(record.sha256)), ("content_kept", .bool(entry.version.hasContent)),
      ("lines_added", RunJSON.integer(entry.linesAdded.map(Int64.init))),
      ("lines_removed", RunJSON.integer(entry.linesRemoved.map(Int64.init))), ("error", RunJSON.string(record.error)),
    ]
    if let diff = entry.diff { members.append(("diff", .string(diff))) }
    return .object(members)
  }

  static func json(_ package: RunPackageChange) -> JSONText {
    .object([
      ("name", .string(package.change.name)), ("change", .string(package.change.action.rawValue)),
      ("from", RunJSON.string(package.change.from)), ("to", RunJSON.string(package.change.to)),
      ("phase", RunJSON.string(package.phase?.rawValue)), ("script", RunJSON.string(package.script)),
    ])
  }

  // MARK: - Text

  /// The report's lines.
  public var lines: [String] {
    guard let watch = changes.watch else {
      return ["Run \(changes.runID) did not watch files (--no-watch, or recorded before watching)."]
    }
    let count = changes.filesChanged
    let how = watch.complete ? "" : "; INCOMPLETE: " + HumanFormat.safe(watch.incompleteReason ?? "")
    var lines = [
      "Run \(changes.runID): \(count) \(count == 1 ? "change" : "changes") during the run (\(watch.method.rawValue)\(how))"
    ]
    var heading: String?
    for entry in changes.entries {
      let next = Self.heading(entry.version.record)
      if next != heading {
        lines.append(next)
        heading = next
      }
      lines.append("  " + Self.line(entry))
      if let diff = entry.diff {
        lines += diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
          "    " + HumanFormat.safe(String($0))
        }
      }
    }
    if !changes.packages.isEmpty {
      lines.append("Packages")
      for package in changes.packages { lines.append("  " + Self.line(package)) }
    }
    return lines
  }

  /// The group a change is listed under.
  static func heading(_ record: FileChangeRecord) -> String {
    switch (record.found, record.byRefresh, record.phase, record.script) {
    case (.beforeRun, _, _, _), (.baseline, _, _, _): "Changed since the last refresh, outside any"
    case (_, false, _, _): "Changed during the run by processes outside it"
    case (_, true, let phase?, let script?): "\(phase.rawValue)/\(HumanFormat.safe(script))"
    case (_, true, let phase?, nil): "\(phase.rawValue) (one of its scripts)"
    case (_, true, nil, _): "The refresh (found after scripts of several phases)"
    }
  }

  /// One change: what, which path, and by how much.
  static func line(_ entry: FileChangeEntry) -> String {
    let record = entry.version.record
    var notes: [String] = []
    if let from = record.renamedFrom { notes.append("from " + HumanFormat.safe(from)) }
    if let added = entry.linesAdded, let removed = entry.linesRemoved { notes.append("+\(added) -\(removed)") }
    if record.change == .metadata || (record.change == .created && record.state.kind != .regular) {
      notes.append("\(record.state.kind.rawValue), mode \(String(record.state.mode, radix: 8))")
    }
    if record.secret { notes.append("secret: digest only") }
    if record.binary { notes.append("binary, \(HumanFormat.bytes(record.state.size))") }
    if !record.secret && !record.binary && !entry.version.hasContent && record.state.kind == .regular
      && record.change != .deleted && record.change != .metadata
    {
      notes.append(record.error.map { "unreadable: " + HumanFormat.safe($0) } ?? "digest only: over --max-file-content")
    }
    let change = record.change.rawValue.padding(10)
    return change + HumanFormat.safe(record.path) + (notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")")
  }

  static func line(_ package: RunPackageChange) -> String {
    let change = package.change
    let versions =
      switch change.action {
      case .installed: change.to ?? ""
      case .removed: change.from ?? ""
      case .upgraded: "\(change.from ?? "?") -> \(change.to ?? "?")"
      }
    let by = package.script.map { " (\(package.phase?.rawValue ?? "")/\(HumanFormat.safe($0)))" } ?? ""
    return "\(change.action.rawValue) \(HumanFormat.safe(change.name)) \(HumanFormat.safe(versions))\(by)"
  }
}
