import ArgumentParser
import CommandLineSupport

/// Which files a refresh watches (docs/changes.md).
struct WatchOptions: ParsableArguments {
  /// A watched directory.
  @Option(
    help: ArgumentHelp(
      "Record what changes under this directory (repeatable; default: $OS_REFRESH_CONFIG_WATCH_PATHS, colon-separated, else /etc).",
      valueName: "path"))
  var watchPath: [String] = []

  /// Files left alone besides the default ones.
  @Option(
    help: ArgumentHelp("Leave paths matching this fnmatch(3) pattern alone (repeatable).", valueName: "glob"))
  var watchExclude: [String] = []

  /// No watching.
  @Flag(help: "Do not record what changes in files.")
  var noWatch = false

  /// The largest file whose content is kept.
  @Option(
    help: ArgumentHelp(
      "Keep the content of changed files up to this size, larger ones by digest (0 to 64M; default: 1M).",
      valueName: "size"), transform: { try ByteSize.fileContentLimit($0) })
  var maxFileContent: Int64 = 1 << 20

  func validate() throws {
    if let relative = watchPath.first(where: { !$0.hasPrefix("/") }) {
      throw ValidationError("--watch-path must be an absolute path: '\(relative)'")
    }
  }
}
