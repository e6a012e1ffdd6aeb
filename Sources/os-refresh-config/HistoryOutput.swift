import ArgumentParser
import RunViews

/// `history output RUN PHASE/SCRIPT`: the captured bytes, raw.
struct HistoryOutput: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "output", abstract: "The captured stdout (or stderr) of one script, raw.",
    discussion: "The bytes as stored, control characters included, for a pipe or a file: history show escapes them.")

  @OptionGroup var selection: RunSelection
  @OptionGroup var script: ScriptArgument

  /// Which stream.
  @Flag(help: "Print its stderr instead of its stdout.")
  var stderr = false

  func run() throws {
    let (queries, run) = try selection.resolve()
    let found = try queries.script(run: run, reference: script.script)
    if stderr && found.combinedOutput { RawOutput.noteCombined(script.script) }
    let output = try queries.output(script: found.id, stream: stderr && !found.combinedOutput ? .stderr : .stdout)
    RawOutput.write(output)
    if !stderr && !found.combinedOutput && output.totalBytes == 0 {
      let other = try queries.output(script: found.id, stream: .stderr)
      if other.totalBytes > 0 { RawOutput.noteOnlyStderr(script.script, bytes: other.totalBytes) }
    }
  }
}
