import ArgumentParser
import RunViews

/// `history show RUN`: the run, its inputs, phases and scripts.
struct HistoryShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "A run with its inputs, phases, scripts and the output of failed scripts.")

  @OptionGroup var selection: RunSelection
  @OptionGroup var output: JSONOption<RunsContract>

  func run() throws {
    let (queries, run) = try selection.resolve()
    let detail = try queries.run(run)
    let reader: RunJSON.OutputReader = { try queries.output(script: $0.id, stream: $1) }
    if output.json {
      print(try RunJSON.detail(detail, output: reader).rendered)
    } else {
      print(try RunReport(detail: detail, output: reader).text, terminator: "")
    }
  }
}
