import ArgumentParser
import RefreshRunner
import RefreshStore

/// `history`: what ran, when, how it ended, and what it printed.
struct History: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the recorded runs (list by default).",
    discussion: "RUN is a run id, latest, last-success or last-failure.",
    subcommands: [
      HistoryList.self, HistoryShow.self, HistoryOutput.self, HistoryScript.self, HistoryStats.self, HistoryPrune.self,
      HistoryExport.self,
    ],
    defaultSubcommand: HistoryList.self
  )

  /// Opens the database for a query, marking runs whose process is gone as
  /// abandoned when the database can be written.
  static func open(_ options: DatabaseOptions) throws -> HistoryStore {
    let store = try HistoryStore.openForReading(at: options.path)
    _ = try? store.abandonStaleRuns(isAlive: ProcessIdentity.isAlive)
    return store
  }
}

/// The statuses `--status` takes.
enum RunStatusArgument: String, ExpressibleByArgument, CaseIterable {
  case running, success, failed, timeout, interrupted, abandoned
}

/// `history [list]`: one line per run, newest first.
struct HistoryList: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per run, newest first.")

  @OptionGroup var database: DatabaseOptions

  /// How many runs to show.
  @Option(help: "Show at most this many runs (0: all).")
  var limit: Int = 20

  /// Only runs with this status.
  @Option(help: "Only runs with this status.")
  var status: RunStatusArgument?

  /// Only runs started at or after this instant.
  @OptionGroup var since: SinceOption

  /// Machine-readable output.
  @Flag(help: "Print a JSON array (see README for the fields).")
  var json = false

  func validate() throws {
    guard limit >= 0, limit <= 1_000_000_000 else {
      throw ValidationError("--limit must be a whole number from 0 to 1000000000, not \(limit)")
    }
  }

  func run() throws {
    let store = try History.open(database)
    let sinceMicroseconds = since.microseconds
    let runs = try store.runs(limit: limit == 0 ? nil : limit, status: status?.rawValue, since: sinceMicroseconds)
    if json {
      print(JSONText.array(runs.map { .object(RunJSON.summaryFields($0)) }).rendered)
      return
    }
    guard !runs.isEmpty else {
      ConsoleLog.writeStandardError("no runs recorded in \(store.path) match\n")
      return
    }
    var rows = [["ID", "STARTED", "DURATION", "STATUS", "SCRIPTS", "FAILED"]]
    for run in runs {
      rows.append([
        String(run.id), HumanFormat.localTime(microseconds: run.startedAt),
        HumanFormat.duration(microseconds: run.durationMicroseconds), HumanFormat.status(run.status),
        "\(run.scriptsRun)/\(run.plannedScripts)", Self.failure(run),
      ])
    }
    for line in HumanFormat.table(rows) { print(line) }
  }

  /// `configure/20-neutron (exit 3)`, or the phase alone, or empty.
  static func failure(_ run: RunSummary) -> String {
    guard let where_ = run.failedScript ?? run.failedPhase else { return "" }
    if let code = run.failedExitCode { return "\(where_) (exit \(code))" }
    if let signal = run.failedSignal { return "\(where_) (\(signalName(Int32(signal))))" }
    return where_
  }
}

/// `history show RUN`: the run, its inputs, phases and scripts.
struct HistoryShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "A run with its inputs, phases, scripts and the output of failed scripts.")

  @OptionGroup var database: DatabaseOptions

  /// The run.
  @OptionGroup var target: RunArgument

  /// Machine-readable output.
  @Flag(help: "Print a JSON object (see README for the fields).")
  var json = false

  func run() throws {
    let store = try History.open(database)
    let detail = try store.run(try store.resolveRun(target.reference))
    let output = { (script: ScriptDetail, stream: String) in try store.output(script: script.id, stream: stream) }
    if json {
      print(try RunJSON.detail(detail, output: output).rendered)
    } else {
      print(try RunReport(detail: detail, output: output).text, terminator: "")
    }
  }
}

/// `history output RUN PHASE/SCRIPT`: the captured bytes, raw.
struct HistoryOutput: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "output", abstract: "The captured stdout (or stderr) of one script, raw.")

  @OptionGroup var database: DatabaseOptions

  /// The run.
  @OptionGroup var target: RunArgument

  /// The script.
  @Argument(help: "The script as PHASE/NAME, e.g. configure/20-neutron.", completion: Completions.scripts)
  var script: String

  /// Which stream.
  @Flag(help: "Print its stderr instead of its stdout.")
  var stderr = false

  func run() throws {
    let store = try History.open(database)
    let id = try store.resolveRun(target.reference)
    let found = try store.script(run: id, reference: script)
    let captured = try store.output(script: found.id, stream: stderr ? "stderr" : "stdout")
    captured.head.withUnsafeBytes { _ = writeFully(1, $0) }
    captured.tail.withUnsafeBytes { _ = writeFully(1, $0) }
    if captured.truncated {
      let omitted = captured.totalBytes - Int64(captured.head.count + captured.tail.count)
      ConsoleLog.writeStandardError(
        "os-refresh-config: note: \(omitted) of \(captured.totalBytes) bytes were not kept, between the first \(captured.head.count) and the last \(captured.tail.count)\n"
      )
    }
  }
}

/// The RUN argument of `history show` and `history output`.
struct RunArgument: ParsableArguments {
  /// An id, `latest`, `last-success` or `last-failure`.
  @Argument(
    help: ArgumentHelp("A run id, latest, last-success or last-failure.", valueName: "run"),
    completion: Completions.runs)
  var reference: String
}
