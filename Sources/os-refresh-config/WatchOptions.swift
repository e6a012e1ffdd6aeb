import ArgumentParser
import CommandLineSupport

/// The watched paths, for a refresh and for `drift`.
struct WatchPathOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Watch this directory (repeatable; a refresh's default: $OS_REFRESH_CONFIG_WATCH_PATHS, colon-separated, else /etc; drift's: those the last refresh watched).",
      valueName: "path"))
  var watchPath: [String] = []

  @Option(help: ArgumentHelp("Leave paths matching this fnmatch(3) pattern alone (repeatable).", valueName: "glob"))
  var watchExclude: [String] = []

  func validate() throws {
    if let relative = watchPath.first(where: { !$0.hasPrefix("/") }) {
      throw ValidationError("--watch-path must be an absolute path: '\(relative)'")
    }
  }
}

/// Which files a refresh watches, and what it keeps of them (docs/changes.md).
struct WatchOptions: ParsableArguments {
  @OptionGroup var paths: WatchPathOptions

  @Flag(help: "Do not record what changes in files.")
  var noWatch = false

  @Option(
    help: ArgumentHelp(
      "Keep the content of changed files up to this size, larger ones by digest (0 to 64M; default: 1M).",
      valueName: "size"), transform: { try ByteSize.fileContentLimit($0) })
  var maxFileContent: Int64 = 1 << 20
}
