import ArgumentParser
import RefreshRunner
import RefreshStore

/// `history script PHASE/NAME`: one script across runs.
struct HistoryScript: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "script", abstract: "One script across runs, newest first, marking where its content changed.")

  @OptionGroup var database: DatabaseOptions

  /// The script.
  @Argument(
    help: ArgumentHelp("The script as PHASE/NAME, e.g. configure/20-neutron.", valueName: "phase/name"),
    completion: Completions.scripts)
  var script: String

  /// How many runs to show.
  @Option(help: "Show at most this many runs (0: all).")
  var limit: Int = 20

  @Flag(help: "Print a JSON array.")
  var json = false

  func validate() throws {
    guard limit >= 0 else { throw ValidationError("--limit must be a non-negative number, not \(limit)") }
  }

  func run() throws {
    let (phase, name) = try HistoryStore.parseScriptReference(script)
    let store = try History.open(database)
    // One more than shown, to tell whether the oldest shown one changed.
    let entries = try store.timeline(phase: phase, name: name, limit: limit == 0 ? nil : limit + 1)
    guard !entries.isEmpty else { throw TimelineError(script: script) }
    let shown = limit == 0 ? entries : Array(entries.prefix(limit))
    func changed(_ index: Int) -> Bool {
      index + 1 < entries.count && entries[index].sha256 != entries[index + 1].sha256
    }
    if json {
      let values = shown.enumerated().map { index, entry in
        JSONText.object([
          ("run_id", .integer(entry.runID)), ("started_at", RunJSON.time(entry.startedAt)),
          ("status", .string(entry.status)), ("exit_code", RunJSON.integer(entry.exitCode)),
          ("signal", RunJSON.integer(entry.signal)), ("duration_s", RunJSON.seconds(entry.durationMicroseconds)),
          ("sha256", RunJSON.string(entry.sha256)), ("content_changed", .bool(changed(index))),
        ])
      }
      print(JSONText.array(values).rendered)
      return
    }
    var rows = [["RUN", "STARTED", "STATUS", "EXIT", "DURATION", "SHA256", ""]]
    for (index, entry) in shown.enumerated() {
      let exit = entry.exitCode.map(String.init) ?? entry.signal.map { signalName(Int32($0)) } ?? "-"
      rows.append([
        String(entry.runID), HumanFormat.localTime(microseconds: entry.startedAt), HumanFormat.status(entry.status),
        exit, HumanFormat.duration(microseconds: entry.durationMicroseconds),
        entry.sha256.map { String($0.prefix(12)) } ?? "-", changed(index) ? "changed" : "",
      ])
    }
    for line in HumanFormat.table(rows) { print(line) }
  }
}

/// No run has the script.
struct TimelineError: Error, CustomStringConvertible {
  let script: String
  var description: String { "no script \(script) in the history" }
}

/// `history stats`: per script, runs, failures, median and p95 duration.
struct HistoryStats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Per script: runs, failures, median and 95th-percentile duration, last failure.")

  @OptionGroup var database: DatabaseOptions

  @OptionGroup var since: SinceOption

  /// The window of runs the statistics cover.
  @Option(help: ArgumentHelp("Over the newest COUNT runs (0: all).", valueName: "count"))
  var runs: Int = 100

  @Flag(help: "Print a JSON array.")
  var json = false

  func validate() throws {
    guard runs >= 0 else { throw ValidationError("--runs must be a non-negative number, not \(runs)") }
  }

  func run() throws {
    let store = try History.open(database)
    let from = since.microseconds
    // The slowest first; among equally slow ones, the most failing.
    let stats = try store.statistics(since: from, lastRuns: runs == 0 ? nil : runs).sorted {
      ($0.p95Microseconds ?? -1, $0.failures, $1.phase, $1.name) > (
        $1.p95Microseconds ?? -1, $1.failures, $0.phase, $0.name
      )
    }
    if json {
      print(
        JSONText.array(
          stats.map { entry in
            .object([
              ("phase", .string(entry.phase)), ("name", .string(entry.name)), ("runs", .integer(entry.runs)),
              ("failures", .integer(entry.failures)), ("median_s", RunJSON.seconds(entry.medianMicroseconds)),
              ("p95_s", RunJSON.seconds(entry.p95Microseconds)),
              ("last_failure_run", RunJSON.integer(entry.lastFailureRun)),
              ("last_failure_at", RunJSON.time(entry.lastFailureAt)),
            ])
          }
        ).rendered)
      return
    }
    guard !stats.isEmpty else {
      ConsoleLog.writeStandardError("no scripts recorded in \(store.path) match\n")
      return
    }
    func rows(_ entries: [ScriptStatistics]) -> [[String]] {
      [["SCRIPT", "RUNS", "FAILURES", "MEDIAN", "P95", "LAST FAILURE"]]
        + entries.map { entry in
          [
            "\(entry.phase)/\(entry.name)", String(entry.runs), String(entry.failures),
            HumanFormat.duration(microseconds: entry.medianMicroseconds),
            HumanFormat.duration(microseconds: entry.p95Microseconds),
            entry.lastFailureRun.map { "run \($0), " + HumanFormat.localTime(microseconds: entry.lastFailureAt ?? 0) }
              ?? "-",
          ]
        }
    }
    print("Slowest (by 95th percentile)")
    for line in HumanFormat.table(rows(stats)) { print("  " + line) }
    let failing = stats.filter { $0.failures > 0 }.sorted {
      ($0.failures, $0.lastFailureRun ?? 0) > ($1.failures, $1.lastFailureRun ?? 0)
    }
    if !failing.isEmpty {
      print("")
      print("Most failing")
      for line in HumanFormat.table(rows(failing)) { print("  " + line) }
    }
  }
}

/// `history prune`: removes old runs by hand.
struct HistoryPrune: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Remove old runs and the contents no kept run refers to.",
    discussion: "The newest successful and the newest failed run are always kept, and running runs are never removed."
  )

  @OptionGroup var database: DatabaseOptions

  @Option(help: ArgumentHelp("Keep only the newest COUNT runs.", valueName: "count"))
  var keepRuns: Int?

  @Option(
    help: ArgumentHelp("Remove runs started more than DURATION ago: 90s, 30m, 12h, 7d, 2w.", valueName: "duration"))
  var olderThan: String?

  func validate() throws {
    if let keepRuns, keepRuns < 1 {
      throw ValidationError("--keep-runs must be at least 1, not \(keepRuns)")
    }
    if let olderThan, TimeArgument.durationMicroseconds(olderThan) == nil {
      throw ValidationError("--older-than takes a duration such as 90s, 30m, 12h, 7d or 2w, not '\(olderThan)'")
    }
    if keepRuns == nil && olderThan == nil {
      throw ValidationError("say what to prune: --keep-runs COUNT, --older-than DURATION, or both")
    }
  }

  func run() throws {
    let store = try History.open(database)
    let cutoff = olderThan.flatMap(TimeArgument.durationMicroseconds).map { RunClock().wallMicroseconds() - $0 }
    let report = try store.prune(keepRuns: keepRuns, olderThan: cutoff)
    store.checkpoint()
    print(
      "removed \(report.runs) runs, \(report.scripts) script records, \(report.contents) stored contents (\(HumanFormat.bytes(report.contentBytes)))"
    )
  }
}

/// `history export`: one JSON object per run per line.
struct HistoryExport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Print each run as one JSON object per line (the history show --json shape), oldest first.")

  /// The export formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case ndjson
  }

  @OptionGroup var database: DatabaseOptions

  @OptionGroup var since: SinceOption

  @Option(help: "The output format.")
  var format: Format = .ndjson

  func run() throws {
    let store = try History.open(database)
    let from = since.microseconds
    let output = { (script: ScriptDetail, stream: String) in try store.output(script: script.id, stream: stream) }
    for id in try store.runIDs(since: from) {
      print(try RunJSON.detail(try store.run(id), output: output).rendered)
    }
  }
}
