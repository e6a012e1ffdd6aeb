import ArgumentParser
import RefreshRunner

#if canImport(Glibc)
  import Glibc
#endif

/// The `os-refresh-config` command: a refresh by default, and its subcommands.
@main
struct OSRefreshConfig: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "os-refresh-config",
    abstract: "Apply a node's configuration by running the scripts of its phase directories.",
    discussion: """
      Runs the executable scripts of pre-configure.d, configure.d, post-configure.d and \
      migration.d under the base directory in order, sourcing environment.d first and \
      running error.d when a phase fails. A drop-in replacement for os-refresh-config 14.1.0.
      """,
    version: "0.1.0",
    subcommands: [Refresh.self, History.self, Diff.self],
    defaultSubcommand: Refresh.self
  )

  /// Parses the command line and runs it. Errors end here, in one line each:
  /// a usage error exits 2 (as Python's argparse does), any other failure the
  /// status it carries or 1.
  static func main() {
    ProcessHygiene.prepare()
    var command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }
      let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
      ConsoleLog.printError("\(message) (see 'os-refresh-config --help')")
      Glibc.exit(2)
    }
    do {
      try command.run()
    } catch let exit as ExitCode {
      Glibc.exit(exit.rawValue)
    } catch {
      ConsoleLog.printError(String(describing: error))
      Glibc.exit(1)
    }
    Glibc.exit(0)
  }
}
