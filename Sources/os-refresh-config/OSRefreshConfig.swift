import ArgumentParser
import CommandLineSupport
import RefreshRunner
import RefreshSession
import RefreshVocabulary
import RunViews
import SystemInterface

/// The `os-refresh-config` command: a refresh by default, and its subcommands.
@main
struct OSRefreshConfig: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "os-refresh-config",
    abstract: "Apply a node's configuration by running the scripts of its phase directories.",
    usage: "os-refresh-config [<refresh-options>]\nos-refresh-config <subcommand> [<options>]",
    discussion: CommandHelp.discussion,
    version: ProductVersion.current,
    subcommands: [Refresh.self, History.self, Diff.self, Why.self, Status.self, Drift.self],
    defaultSubcommand: Refresh.self
  )

  /// Parses the command line and runs it. Errors end here, in one line each,
  /// with the status ``ExitStatus`` gives them: a usage error 2 (as Python's
  /// argparse does), a refresh what it ended with, any other failure 1.
  static func main() {
    ProcessHygiene.prepare()
    if let problem = RawInput.problemWithThisProcess() {
      ConsoleLog.printError(problem.message)
      Glibc.exit(problem.status.code)
    }
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.contains("--version") && !arguments.contains("--") {
      print(
        VersionReport.text(
          version: configuration.version,
          databasePath: CompletionCandidates.databasePath(
            arguments, environment: ProcessEnvironment.current().dictionary)),
        terminator: "")
      Glibc.exit(0)
    }
    if ["--help", "-h", "help"].contains(arguments.first ?? "") && arguments.count == 1 {
      print(CommandHelp.withRefreshOptions(helpMessage(), refresh: helpMessage(for: Refresh.self)))
      Glibc.exit(0)
    }
    if [["history", "--help"], ["history", "-h"], ["help", "history"]].contains(arguments) {
      print(
        CommandHelp.withDefaultOptions(
          helpMessage(for: History.self), defaultHelp: helpMessage(for: HistoryList.self),
          heading: "LIST OPTIONS (a bare history lists):"))
      Glibc.exit(0)
    }
    var command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }
      let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
      ConsoleLog.printError(UsageErrorLine.text(message: message, arguments: arguments, root: tree(of: Self.self)))
      Glibc.exit(ExitStatus.usage.code)
    }
    do {
      try command.run()
    } catch let ended as CommandEnded {
      // What it had to say is said already.
      Glibc.exit(ended.exitStatus.code)
    } catch {
      // Help for a subcommand arrives here, from the help command's run().
      if exitCode(for: error) == .success { exit(withError: error) }
      ConsoleLog.printError(String(describing: error))
      Glibc.exit(ExitStatus.failure.code)
    }
    Glibc.exit(0)
  }

  /// The command's subcommands by the names typed, for usage errors.
  private static func tree(of command: ParsableCommand.Type) -> UsageErrorLine.CommandTree {
    UsageErrorLine.CommandTree(
      name: command._commandName, subcommands: command.configuration.subcommands.map { tree(of: $0) })
  }
}
