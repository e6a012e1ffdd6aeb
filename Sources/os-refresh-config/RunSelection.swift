import ArgumentParser
import RefreshStore

/// The history and one run in it: `--db` and RUN, for `show` and `output`.
struct RunSelection: ParsableArguments {
  @OptionGroup var database: DatabaseOptions

  /// An id, `latest`, `last-success` or `last-failure`.
  @Argument(
    help: ArgumentHelp("A run id, latest, last-success or last-failure.", valueName: "run"),
    completion: Completions.runs)
  var reference: String

  /// The history's queries and the run's id.
  func resolve() throws -> (queries: HistoryQueries, run: Int64) {
    let queries = try database.open().queries
    return (queries, try queries.resolveRun(typed: reference))
  }
}
