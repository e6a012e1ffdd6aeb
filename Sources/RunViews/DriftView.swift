import ContentEncoding
import RefreshStore
import RunForensics

/// `drift`: what changed in the watched files since the last refresh, outside any.
public struct DriftView {
  let report: DriftReport

  /// A view of `report`.
  public init(_ report: DriftReport) { self.report = report }

  /// The JSON object (docs/changes.md#drift).
  public var json: String {
    JSONText.object([
      ("since_run", RunJSON.integer(report.sinceRun)), ("watched_paths", .array(report.paths.map { .string($0) })),
      ("complete", .bool(report.complete)), ("unreadable", .array(report.unreadable.map { .string($0) })),
      ("files_drifted", .integer(Int64(report.entries.count))),
      (
        "files",
        .array(
          report.entries.map { entry in
            let record = entry.record
            var members: [(String, JSONText)] = [
              ("path", .string(record.path)), ("change", .string(record.change.rawValue)),
              ("renamed_from", RunJSON.string(record.renamedFrom)), ("kind", .string(record.state.kind.rawValue)),
              ("secret", .bool(record.secret)), ("binary", .bool(record.binary)),
              ("size", record.change == .deleted ? .null : .integer(record.state.size)),
              ("lines_added", RunJSON.integer(entry.linesAdded.map(Int64.init))),
              ("lines_removed", RunJSON.integer(entry.linesRemoved.map(Int64.init))),
              ("error", RunJSON.string(record.error)),
            ]
            if let diff = entry.diff { members.append(("diff", .string(diff))) }
            return .object(members)
          })
      ),
    ]).rendered
  }

  /// The report's lines.
  public var lines: [String] {
    guard let since = report.sinceRun else {
      return ["No refresh has watched files yet: nothing to compare with."]
    }
    let watched = report.paths.map(HumanFormat.safe).joined(separator: ", ")
    var lines: [String] = []
    if report.entries.isEmpty {
      lines.append("No change under \(watched) since run \(since), outside a refresh.")
    } else {
      let count = report.entries.count
      lines.append(
        "\(count) \(count == 1 ? "change" : "changes") under \(watched) since run \(since), outside a refresh:")
      for entry in report.entries {
        let change = FileChangeEntry(
          version: FileVersion(id: 0, runID: since, record: entry.record, hasContent: entry.record.sha256 != nil))
        var shown = change
        (shown.linesAdded, shown.linesRemoved) = (entry.linesAdded, entry.linesRemoved)
        lines.append("  " + FileChangesView.line(shown))
        if let diff = entry.diff {
          lines += diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            "    " + HumanFormat.safe(String($0))
          }
        }
      }
    }
    if !report.complete {
      lines.append("Not every path could be listed: " + report.unreadable.map(HumanFormat.safe).joined(separator: ", "))
    }
    return lines
  }
}
