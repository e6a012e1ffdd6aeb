import ArgumentParser
import RunTelemetry
import RunViews

/// `history export`: one JSON object per run per line.
struct HistoryExport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Print each run as one JSON line, oldest first: the history show --json shape, or an OTLP trace.")

  /// The export formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case ndjson
    /// OTLP JSON `TracesData`, as `--otlp-file` writes (runs still running left out).
    case otlp
  }

  @OptionGroup var database: DatabaseOptions
  @OptionGroup var since: SinceOption

  @Option(help: "The output format.")
  var format: Format = .ndjson

  func run() throws {
    let queries = try database.open().queries
    let reader: RunJSON.OutputReader = { try queries.output(script: $0.id, stream: $1) }
    // One snapshot: a prune that runs meanwhile removes nothing listed.
    try queries.snapshot {
      for id in try queries.runIDs(since: since.microseconds) {
        let detail = try queries.run(id)
        guard format == .otlp else {
          print(try RunJSON.detail(detail, output: reader).rendered)
          continue
        }
        if let run = TracedRun(detail: detail) { print(OTLPTrace(run).line) }
      }
    }
  }
}
