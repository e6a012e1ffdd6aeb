import ArgumentParser
import RefreshRunner
import RunViews
import SystemInterface

/// The `os-refresh-config` command: a refresh by default, and its subcommands.
@main
struct OSRefreshConfig: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "os-refresh-config",
    abstract: "Apply a node's configuration by running the scripts of its phase directories.",
    discussion: """
      Runs the executable scripts of the phase directories of the base directory in order: \
      pre-configure.d (quiesce), configure.d, post-configure.d (activate: restart services), \
      migration.d (online migrations). The files of environment.d are sourced by bash before each \
      phase; when a phase fails, error.d runs and the exit status is 1. A drop-in replacement for \
      os-refresh-config 14.1.0 with dib-run-parts 0.0.11, which also records every run in a local \
      SQLite history: see the history and diff subcommands.

      Scripts are the entries of a phase directory that are regular files (after symlinks), \
      executable, and whose names match RUN_PARTS_REGEX (default ^[0-9A-Za-z_-]+$), run in \
      LC_ALL=C sort -n order.

      ENVIRONMENT: OS_REFRESH_CONFIG_BASE_DIR, the base directory (default \
      /usr/libexec/os-refresh-config); OS_REFRESH_CONFIG_DB, the history database (default \
      /var/lib/os-refresh-config/history.sqlite); RUN_PARTS_REGEX, the names scripts must match; \
      OS_CONFIG_FILES, the colon-separated Heat metadata files os-collect-config passes, recorded \
      with each run; NO_COLOR, no colour in human output; JOURNAL_STREAM, set by systemd: log \
      lines then carry their priority for journalctl -p.

      FILES: /usr/libexec/os-refresh-config (base directory), /var/run/os-refresh-config.lock \
      (lock), /var/lib/os-refresh-config/history.sqlite (history, directory 0700, file 0600).

      EXIT STATUS: 0 every phase completed; 1 a phase failed or the timeout elapsed, or bad input; \
      2 usage error; 11 another refresh holds the lock; 128+N stopped by signal N (SIGTERM 143).

      EXAMPLES: os-refresh-config --timeout 3600 (a refresh); os-refresh-config --dry-run (what \
      would run); os-refresh-config history (runs, newest first); os-refresh-config history show \
      last-failure (what failed and what it printed); os-refresh-config diff (what changed since \
      the last successful run); os-refresh-config diff --output 41 42 (two runs, with output diffs).
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
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.contains("--version") && !arguments.contains("--") {
      print(VersionReport.text(arguments: arguments), terminator: "")
      Glibc.exit(0)
    }
    var command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }
      let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
      ConsoleLog.printError("\(message) (see 'os-refresh-config --help')")
      Glibc.exit(ExitStatus.usage)
    }
    do {
      try command.run()
    } catch let exit as ExitCode {
      Glibc.exit(ExitStatus.of(exit))
    } catch {
      // Help for a subcommand arrives here, from the help command's run().
      if exitCode(for: error) == .success { exit(withError: error) }
      ConsoleLog.printError(String(describing: error))
      Glibc.exit(ExitStatus.of(error))
    }
    Glibc.exit(0)
  }
}
