import ContentEncoding
import RefreshStore

/// `history stats`: per script, runs, failures, median and p95 duration.
public struct StatisticsView {
  /// The slowest first; among equally slow ones, the most failing.
  let slowest: [ScriptStatistics]

  /// A view of `statistics`.
  public init(_ statistics: [ScriptStatistics]) {
    slowest = statistics.sorted {
      ($0.p95Microseconds ?? -1, $0.failures, $1.phase.rawValue, $1.name) > (
        $1.p95Microseconds ?? -1, $1.failures, $0.phase.rawValue, $0.name
      )
    }
  }

  /// Whether there is nothing to show.
  public var isEmpty: Bool { slowest.isEmpty }

  /// The JSON array, slowest first.
  public var json: String {
    JSONText.array(
      slowest.map { entry in
        .object([
          ("phase", .string(entry.phase.rawValue)), ("name", .string(entry.name)), ("runs", .integer(entry.runs)),
          ("failures", .integer(entry.failures)), ("median_s", RunJSON.seconds(entry.medianMicroseconds)),
          ("p95_s", RunJSON.seconds(entry.p95Microseconds)),
          ("last_failure_run", RunJSON.integer(entry.lastFailureRun)),
          ("last_failure_at", RunJSON.time(entry.lastFailureAt)),
        ])
      }
    ).rendered
  }

  /// The slowest scripts, then the most failing ones.
  public var text: [String] {
    var lines = ["Slowest (by 95th percentile)"] + Self.rows(slowest).map { "  " + $0 }
    let failing = slowest.filter { $0.failures > 0 }.sorted {
      ($0.failures, $0.lastFailureRun ?? 0) > ($1.failures, $1.lastFailureRun ?? 0)
    }
    if !failing.isEmpty {
      lines += ["", "Most failing"] + Self.rows(failing).map { "  " + $0 }
    }
    return lines
  }

  private static func rows(_ entries: [ScriptStatistics]) -> [String] {
    HumanFormat.table(
      [["SCRIPT", "RUNS", "FAILURES", "MEDIAN", "P95", "LAST FAILURE"]]
        + entries.map { entry in
          [
            "\(entry.phase.rawValue)/\(HumanFormat.safe(entry.name))", String(entry.runs), String(entry.failures),
            HumanFormat.duration(microseconds: entry.medianMicroseconds),
            HumanFormat.duration(microseconds: entry.p95Microseconds),
            entry.lastFailureRun.map { "run \($0), " + HumanFormat.localTime(microseconds: entry.lastFailureAt ?? 0) }
              ?? "-",
          ]
        })
  }
}
