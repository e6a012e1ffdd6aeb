import ArgumentParser
import RunViews

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
    let queries = try database.open().queries
    let reader: RunJSON.OutputReader = { try queries.output(script: $0.id, stream: $1) }
    for id in try queries.runIDs(since: since.microseconds) {
      print(try RunJSON.detail(try queries.run(id), output: reader).rendered)
    }
  }
}
