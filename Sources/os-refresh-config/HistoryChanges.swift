import ArgumentParser
import RunForensics
import RunViews

/// `history changes [RUN]`: what a run did to the watched files.
struct HistoryChanges: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "changes",
    abstract: "The files a run changed, by script, then what changed outside it, and the packages it changed.")

  @OptionGroup var database: DatabaseOptions

  /// The run; the latest by default.
  @Argument(
    help: ArgumentHelp("A run id, latest, last-success or last-failure (default: latest).", valueName: "run"),
    completion: Completions.runs)
  var reference = "latest"

  /// Unified diffs, secrets masked.
  @Flag(help: "Show each change's unified diff against the version before (secrets masked).")
  var diff = false

  @OptionGroup var output: JSONOption<ChangesContract>

  func run() throws {
    let queries = try database.open().queries
    let changes = try RunFileChanges.read(run: try queries.resolveRun(typed: reference), queries: queries, diffs: diff)
    let view = FileChangesView(changes)
    print(output.json ? view.json : view.lines.joined(separator: "\n"))
  }
}
