import ArgumentParser
import RunTelemetry
import RunViews

/// `history plot RUN`: the run as an SVG timeline.
struct HistoryPlot: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot", abstract: "Draw a run as an SVG timeline, one bar per script (as systemd-analyze plot).")

  @OptionGroup var selection: RunSelection

  @Option(help: ArgumentHelp("Write the SVG to this file (default: stdout).", valueName: "file"))
  var output: String?

  func run() throws {
    let (queries, run) = try selection.resolve()
    guard let traced = TracedRun(detail: try queries.run(run)) else { throw CommandError.stillRunning(run) }
    try RawOutput.write(TimelinePlot(traced).svg, to: output)
  }
}
