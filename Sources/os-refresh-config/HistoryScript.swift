import ArgumentParser
import RefreshStore
import RunViews

/// `history script PHASE/NAME`: one script across runs.
struct HistoryScript: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "script", abstract: "One script across runs, newest first, marking where its content changed.")

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var script: ScriptArgument
  @OptionGroup var limit: LimitOption
  @OptionGroup var output: JSONOption<ForensicsContract>

  func run() throws {
    let (phase, name) = try HistoryQueries.parseScriptReference(script.script)
    let queries = try database.open().queries
    // One more than shown, to tell whether the oldest shown one changed.
    let entries = try queries.timeline(phase: phase, name: name, limit: limit.count.map { $0 + 1 })
    guard !entries.isEmpty else { throw CommandError.noSuchScript(script.script) }
    let view = TimelineView(entries: entries, limit: limit.count)
    if output.json {
      print(view.json)
    } else {
      for line in view.table { print(line) }
    }
  }
}
