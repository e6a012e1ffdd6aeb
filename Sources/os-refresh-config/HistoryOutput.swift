import ArgumentParser
import RefreshVocabulary
import RunViews
import SystemInterface

/// `history output RUN PHASE/SCRIPT`: the captured bytes, raw.
struct HistoryOutput: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "output", abstract: "The captured stdout (or stderr) of one script, raw.")

  @OptionGroup var selection: RunSelection
  @OptionGroup var script: ScriptArgument

  /// Which stream.
  @Flag(help: "Print its stderr instead of its stdout.")
  var stderr = false

  func run() throws {
    let (queries, run) = try selection.resolve()
    let found = try queries.script(run: run, reference: script.script)
    let captured = try queries.output(script: found.id, stream: stderr ? .stderr : .stdout)
    captured.head.withUnsafeBytes { _ = writeFully(STDOUT_FILENO, $0) }
    captured.tail.withUnsafeBytes { _ = writeFully(STDOUT_FILENO, $0) }
    if captured.truncated {
      let omitted = captured.totalBytes - Int64(captured.head.count + captured.tail.count)
      ConsoleLog.writeStandardError(
        "os-refresh-config: note: \(omitted) of \(captured.totalBytes) bytes were not kept, between the first \(captured.head.count) and the last \(captured.tail.count)\n"
      )
    }
  }
}
