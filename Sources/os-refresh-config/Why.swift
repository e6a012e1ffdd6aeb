import ArgumentParser
import RunForensics
import RunViews

/// `why`: what broke the script that failed.
struct Why: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Explain a failed run: when its failing script last worked, and what changed since, most likely first.",
    discussion: """
      RUN defaults to the latest run that did not succeed. The causes are searched between the failed \
      script's last successful run and its first failed run after it: its own content, the scripts before \
      it, environment.d, the metadata keys it reads (os-apply-config --key, templates whose rendered file \
      it names) and the others, templates, packages (dpkg's and dnf's logs), reboots and kernels, and its \
      own record (intermittent). Secrets are never shown.
      """
  )

  @OptionGroup var database: DatabaseOptions

  /// The run explained.
  @Argument(
    help: ArgumentHelp(
      "A run id, latest, last-success or last-failure (default: the latest that did not succeed).", valueName: "run"),
    completion: Completions.runs)
  var reference: String?

  @OptionGroup var json: JSONOption<WhyContract>

  /// Where the node's package logs are.
  @Option(help: ArgumentHelp("Read package logs under this root (a node's disk mounted elsewhere).", valueName: "dir"))
  var root = "/"

  func run() throws {
    let queries = try database.open().queries
    guard let id = try reference.map(queries.resolveRun(typed:)) ?? queries.latestUnsuccessfulRun() else {
      print(json.json ? "null" : "No run to explain: none has failed.")
      return
    }
    let outcome = try WhyAnalysis.explain(run: id, in: queries, packages: PackageLog(root: root))
    print(
      json.json ? WhyJSON.render(outcome).rendered : WhyReport.text(outcome, hint: CommandHint(database: database.db)),
      terminator: json.json ? "\n" : "")
  }
}
