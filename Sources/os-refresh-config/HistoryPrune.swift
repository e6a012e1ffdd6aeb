import ArgumentParser
import CommandLineSupport
import RefreshSession
import RunViews
import SystemInterface

/// `history prune`: removes old runs by hand.
struct HistoryPrune: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Remove old runs and the contents no kept run refers to.",
    discussion: "The newest successful and the newest failed run are always kept, and running runs are never removed."
  )

  @OptionGroup var database: DatabaseOptions

  @Option(help: ArgumentHelp("Keep only the newest COUNT runs (1 to 1000000000).", valueName: "count"))
  var keepRuns: Int?

  @Option(
    help: ArgumentHelp("Remove runs started more than DURATION ago: 90s, 30m, 12h, 7d, 2w.", valueName: "duration"),
    transform: { try AgeArgument(parsing: $0, option: "--older-than") })
  var olderThan: AgeArgument?

  func validate() throws {
    try OptionRange.check("--keep-runs", keepRuns, 1...LimitOption.maximum, "runs")
    if keepRuns == nil && olderThan == nil {
      throw ValidationError("say what to prune: --keep-runs COUNT, --older-than DURATION, or both")
    }
  }

  func run() throws {
    let store = try HistoryMaintenance.open(at: database.path).store
    let cutoff = olderThan?.before(RunClock().wallMicroseconds())
    let report = try store.retention.prune(keepRuns: keepRuns, olderThan: cutoff)
    store.checkpoint()
    print(
      "removed \(report.runs) runs, \(report.scripts) script records, \(report.contents) stored contents (\(HumanFormat.bytes(report.contentBytes)))"
    )
  }
}
