import ArgumentParser
import RefreshStore
import RunForensics
import RunViews

/// `history file PATH [--at RUN]`: one watched file across runs.
struct HistoryFile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "file", abstract: "Every recorded version of a watched file, or (--at) its content then.",
    discussion: "With --at RUN, the file as it stood at the end of RUN, secrets masked, for a pipe or a file.")

  @OptionGroup var database: DatabaseOptions

  /// The file.
  @Argument(help: ArgumentHelp("The file's absolute path.", valueName: "path"))
  var path: String

  /// The run whose end to show it at.
  @Option(help: ArgumentHelp("Print its content at the end of this run.", valueName: "run"))
  var at: String?

  @OptionGroup var output: JSONOption<ChangesContract>

  func validate() throws {
    if !path.hasPrefix("/") { throw ValidationError("the path must be absolute: '\(path)'") }
    if at != nil && output.json { throw ValidationError("--at prints the content: it has no --json") }
  }

  func run() throws {
    let queries = try database.open().queries
    if let at {
      let run = try queries.resolveRun(typed: at)
      RawFileContent.write(try FileAtRun.content(path: path, run: run, queries: queries))
      return
    }
    let versions = try queries.fileVersions(path: path)
    guard !versions.isEmpty else { throw FileAtRun.Unrecorded.never(path: path, run: nil) }
    let view = FileHistoryView(path: path, versions: versions)
    print(output.json ? view.json : view.table.joined(separator: "\n"))
  }
}
