import ContentEncoding
import RefreshStore
import RefreshVocabulary

/// `history file PATH`: every recorded version of one file, oldest first.
public struct FileHistoryView {
  let path: String
  let versions: [FileVersion]

  /// A view of `path`'s `versions`.
  public init(path: String, versions: [FileVersion]) { (self.path, self.versions) = (path, versions) }

  /// The JSON object (docs/changes.md#the-json-contract).
  public var json: String {
    JSONText.object([
      ("path", .string(path)),
      (
        "versions",
        .array(
          versions.map { version in
            let record = version.record
            return .object([
              ("run", .integer(version.runID)), ("change", .string(record.change.rawValue)),
              ("renamed_from", RunJSON.string(record.renamedFrom)), ("when", .string(record.found.rawValue)),
              ("phase", RunJSON.string(record.phase?.rawValue)), ("script", RunJSON.string(record.script)),
              ("by_refresh", .bool(record.byRefresh)), ("seen_at", RunJSON.time(record.seenAt)),
              ("kind", .string(record.state.kind.rawValue)),
              ("size", record.change == .deleted ? .null : .integer(record.state.size)),
              ("mode", record.change == .deleted ? .null : .string(String(record.state.mode, radix: 8))),
              ("owner", .integer(record.state.owner)), ("group", .integer(record.state.group)),
              ("sha256", RunJSON.string(record.sha256)), ("secret", .bool(record.secret)),
              ("binary", .bool(record.binary)), ("content_kept", .bool(version.hasContent)),
            ])
          })
      ),
    ]).rendered
  }

  /// The table.
  public var table: [String] {
    var rows = [["RUN", "SEEN", "CHANGE", "BY", "SIZE", "MODE", "DIGEST"]]
    for version in versions {
      let record = version.record
      let by: String =
        switch record.found {
        case .baseline: "baseline (watching began)"
        case .beforeRun: "outside a refresh (found at run \(version.runID)'s start)"
        case .duringRun:
          !record.byRefresh
            ? "outside the refresh"
            : record.phase == nil
              ? "the refresh (several phases' scripts)"
              : [record.phase?.rawValue, record.script.map(HumanFormat.safe)].compactMap { $0 }.joined(separator: "/")
        }
      let change = record.renamedFrom.map { "renamed from " + HumanFormat.safe($0) } ?? record.change.rawValue
      let digest = Self.digest(record.sha256, secret: record.secret)
      rows.append([
        String(version.runID), HumanFormat.localTime(microseconds: record.seenAt), change, by,
        record.change == .deleted ? "-" : String(record.state.size),
        record.change == .deleted ? "-" : String(record.state.mode, radix: 8), digest,
      ])
    }
    return HumanFormat.table(rows)
  }

  /// A digest as shown: 12 hex digits, marked when keyed (and a secret file's as such).
  static func digest(_ stored: String?, secret: Bool) -> String {
    guard let stored else { return secret ? "secret (no key)" : "-" }
    let (plain, keyed) = ContentDigest.kind(of: stored)
    if let keyed { return (secret ? "secret, keyed " : "keyed ") + String(keyed.prefix(12)) }
    return plain.map { String($0.prefix(12)) } ?? "-"
  }
}
