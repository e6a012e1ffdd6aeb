import MetadataDocuments
import RefreshStore
import SecretHiding

/// The metadata keys that change in (nearly) every run whatever happens:
/// Heat's rotating signal ids, signed URLs' signatures and timestamps,
/// counters. A change of one is churn, not a cause: `why` ranks it last.
///
/// Told two ways: by the history (the key changed between nearly every two
/// consecutive runs before the window), and by name or shape (a signal id,
/// signature or timestamp; a signed URL), for a history too short to tell.
struct ChurnKeys {
  /// Consecutive pairs of runs looked at before the window.
  static let pairs = 4
  /// Member names (a part of, lowercased) of values that change every run.
  static let churningNames = ["signal_id", "signature", "timestamp"]
  /// What marks a signed URL, whose signature changes with every signing.
  static let signedURLMarks = ["Signature=", "signature=", "temp_url_sig=", "X-Amz-Signature="]

  /// Per metadata file path: the keys (as the diff names them) changed in
  /// nearly every pair.
  private let everyRun: [String: Set<String>]

  /// None known: only names and shapes tell.
  init() { everyRun = [:] }

  /// Reads the runs up to `run` (the window's good end) from `queries`,
  /// when `comparison` (the window's) has metadata keys changed.
  init(for comparison: RunComparison, upTo run: Int64?, queries: HistoryQueries) throws {
    guard let run, comparison.inputs.contains(where: { $0.kind == .config && !$0.keys.isEmpty }) else {
      everyRun = [:]
      return
    }
    let ids = try queries.endedRunIDs(upTo: run, count: Self.pairs + 1)
    guard ids.count >= 3 else {
      everyRun = [:]
      return
    }
    var counts: [String: [String: Int]] = [:]
    var previous = try Self.documents(queries.inputs(run: ids[0]))
    for id in ids.dropFirst() {
      let current = try Self.documents(queries.inputs(run: id))
      for (path, new) in current {
        guard let old = previous[path], old.sha256 != new.sha256,
          let changes = MetadataDiff.changes(
            fromText: old.content, toText: new.content, showSecrets: false, spans: CredentialSpans())
        else { continue }
        for change in changes { counts[path, default: [:]][change.key, default: 0] += 1 }
      }
      previous = current
    }
    // Nearly every pair: all of two, all but one of three or more.
    let needed = max(2, ids.count - 2)
    everyRun = counts.mapValues { Set($0.filter { $0.value >= needed }.keys) }
  }

  private static func documents(_ inputs: [StoredInput]) -> [String: (sha256: String?, content: [UInt8])] {
    var documents: [String: (sha256: String?, content: [UInt8])] = [:]
    for input in inputs where input.kind == .config {
      if let content = input.content { documents[input.path] = (input.sha256, content) }
    }
    return documents
  }

  /// Why a change of `key` in metadata file `path` is churn, or nil when it is not.
  func reason(_ key: KeyChange, path: String) -> String? {
    if everyRun[path]?.contains(key.key) == true { return "it changed in nearly every run before" }
    // The member's name, or for an item's `value` the item's name (Heat's
    // inputs: `inputs[deploy_signal_id].value`).
    let parts = key.key.split(separator: ".")
    var member = parts.last.map { $0.lowercased() } ?? ""
    if member == "value", parts.count > 1, let open = parts[parts.count - 2].firstIndex(of: "[") {
      member = parts[parts.count - 2][open...].lowercased()
    }
    if let name = Self.churningNames.first(where: { member.contains($0) }) {
      return "a \(name.replacing("_", with: " ")), by its name"
    }
    if key.change == .changed, case .string(let value)? = key.to,
      Self.signedURLMarks.contains(where: { value.contains($0) })
    {
      return "a signed URL"
    }
    return nil
  }
}
