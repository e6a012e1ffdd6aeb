import ArgumentParser
import RefreshVocabulary
import RunViews

/// `history [list]`: one line per run, newest first.
struct HistoryList: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per run, newest first.")

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var limit: LimitOption

  /// Only runs with this status.
  @Option(help: "Only runs with this status.")
  var status: RunStatus?

  @OptionGroup var since: SinceOption
  @OptionGroup var output: JSONOption<RunsContract>

  func run() throws {
    let store = try database.open()
    let runs = try store.queries.runs(limit: limit.count, status: status, since: since.microseconds)
    if output.json {
      print(RunListView.json(runs))
    } else if runs.isEmpty {
      ConsoleLog.writeStandardError("no runs recorded in \(store.path) match\n")
    } else {
      for line in RunListView.table(runs) { print(line) }
    }
  }
}
