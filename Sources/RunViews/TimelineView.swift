import ContentEncoding
import RefreshStore
import SystemInterface

/// `history script PHASE/NAME`: one script across runs, marking where its
/// content changed.
public struct TimelineView {
  /// One more entry than shown (when there is one), to tell whether the
  /// oldest shown one changed.
  let entries: [TimelineEntry]
  /// How many are shown (nil: all).
  let limit: Int?

  /// A view of `entries`, newest first, showing at most `limit` of them.
  public init(entries: [TimelineEntry], limit: Int?) {
    self.entries = entries
    self.limit = limit
  }

  private var shown: ArraySlice<TimelineEntry> { limit.map { entries.prefix($0) } ?? entries[...] }

  /// Whether the script's content differs from the run before.
  private func changed(_ index: Int) -> Bool {
    index + 1 < entries.count && entries[index].sha256 != entries[index + 1].sha256
  }

  /// The JSON array.
  public var json: String {
    let values = shown.enumerated().map { index, entry in
      JSONText.object([
        ("run_id", .integer(entry.runID)), ("started_at", RunJSON.time(entry.startedAt)),
        ("status", .string(entry.status.rawValue)), ("exit_code", RunJSON.integer(entry.exitCode)),
        ("signal", RunJSON.integer(entry.signal)), ("duration_s", RunJSON.seconds(entry.durationMicroseconds)),
        ("sha256", RunJSON.string(entry.sha256)), ("content_changed", .bool(changed(index))),
      ])
    }
    return JSONText.array(values).rendered
  }

  /// The table.
  public var table: [String] {
    var rows = [["RUN", "STARTED", "STATUS", "EXIT", "DURATION", "SHA256", ""]]
    for (index, entry) in shown.enumerated() {
      let exit = entry.exitCode.map(String.init) ?? entry.signal.map { signalName(Int32($0)) } ?? "-"
      rows.append([
        String(entry.runID), HumanFormat.localTime(microseconds: entry.startedAt), HumanFormat.status(entry.status),
        exit, HumanFormat.duration(microseconds: entry.durationMicroseconds),
        entry.sha256.map { String($0.prefix(12)) } ?? "-", changed(index) ? "changed" : "",
      ])
    }
    return HumanFormat.table(rows)
  }
}
