import ArgumentParser
import RunViews

/// `history stats`: per script, runs, failures, median and p95 duration.
struct HistoryStats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Per script: runs, failures, median and 95th-percentile duration, last failure.")

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var since: SinceOption

  /// The window of runs the statistics cover.
  @Option(help: ArgumentHelp("Over the newest COUNT runs (0: all; at most 1000000000).", valueName: "count"))
  var runs: Int = 100

  @OptionGroup var output: JSONOption<ForensicsContract>

  func validate() throws {
    guard (0...LimitOption.maximum).contains(runs) else {
      throw ValidationError("--runs must be a whole number from 0 to \(LimitOption.maximum), not \(runs)")
    }
  }

  func run() throws {
    let store = try database.open()
    let view = StatisticsView(
      try store.queries.statistics(since: since.microseconds, lastRuns: runs == 0 ? nil : runs))
    if output.json {
      print(view.json)
    } else if view.isEmpty {
      ConsoleLog.writeStandardError("no scripts recorded in \(store.path) match\n")
    } else {
      for line in view.text { print(line) }
    }
  }
}
