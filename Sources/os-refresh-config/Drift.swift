import ArgumentParser
import RefreshVocabulary
import RunForensics
import RunViews

/// `drift`: what changed in the watched files since the last refresh.
struct Drift: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "What changed in the watched files since the last refresh, outside any (records nothing).",
    discussion: "Exits 1 when something changed, 0 when nothing did: for a timer or an operator.")

  @OptionGroup var database: DatabaseOptions

  @OptionGroup var paths: WatchPathOptions

  /// Unified diffs, secrets masked.
  @Flag(help: "Show each change's unified diff against its last recorded content (secrets masked).")
  var diff = false

  @OptionGroup var output: JSONOption<ChangesContract>

  func run() throws {
    let store = try database.open()
    let report = try DriftReport.check(
      queries: store.queries, key: store.existingSecretKey(), paths: paths.watchPath,
      excludes: paths.watchExclude, history: database.path, diffs: diff)
    let view = DriftView(report)
    print(output.json ? view.json : view.lines.joined(separator: "\n"))
    if !report.entries.isEmpty { throw CommandEnded(exitStatus: .failure) }
  }
}
