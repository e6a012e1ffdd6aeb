import ArgumentParser
import RefreshStore
import RunForensics
import RunViews

/// `diff`: what changed since it last worked.
struct Diff: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what changed between two runs: inputs, Heat metadata keys, scripts, outcomes.",
    discussion: """
      With no run, compares the latest run with its baseline: the last successful run before it, \
      or the run just before it when none succeeded. With one, that run with its baseline. \
      RUN is a run id, latest, last-success or last-failure.
      """
  )

  @OptionGroup var database: DatabaseOptions

  /// The runs compared.
  @Argument(
    help: ArgumentHelp("FROM and TO, or just TO (default: latest).", valueName: "run"), completion: Completions.runs)
  var runs: [String] = []

  @OptionGroup var json: JSONOption<ForensicsContract>

  /// Adds unified diffs of changed captured output.
  @Flag(help: "Show a unified diff of the captured output of each script whose output changed.")
  var output = false

  @Flag(help: "Show a unified diff of each watched file whose state differs (secrets masked).")
  var filesDiff = false

  /// Where the package logs are read.
  @Option(help: ArgumentHelp("Read package logs under this root (a node's disk mounted elsewhere).", valueName: "dir"))
  var root = "/"

  /// Shows secret values (as stored: in clear only with --store-secrets).
  @Flag(help: "Show secret metadata values as stored (in clear only when recorded with --store-secrets).")
  var showSecrets = false

  func validate() throws {
    guard runs.count <= 2 else {
      throw ValidationError("diff takes at most two runs (FROM TO), not \(runs.count)")
    }
  }

  func run() throws {
    let queries = try database.open().queries
    let (from, to) = try RunPair.resolve(runs, in: queries)
    let comparison = try RunComparison.load(from: from, to: to, in: queries, showSecrets: showSecrets)
      .withPackages(from: PackageLog(root: root))
    let reader: RunJSON.OutputReader = { try queries.output(script: $0.id, stream: $1) }
    let outputs = output ? try OutputDiff.between(comparison, output: reader) : []
    let files = try RunComparison.files(from: from, to: to, queries: queries, diffs: filesDiff)
    if json.json {
      print(try DiffJSON.render(comparison, outputs: outputs, output: reader, files: files).rendered)
    } else {
      print(DiffReport(comparison: comparison, outputs: outputs, files: files).text, terminator: "")
    }
  }
}
