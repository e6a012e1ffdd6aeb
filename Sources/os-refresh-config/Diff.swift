import ArgumentParser
import RefreshStore
import RunForensics

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

  /// Machine-readable output.
  @Flag(help: "Print a JSON object (see README for the fields).")
  var json = false

  /// Adds unified diffs of changed captured output.
  @Flag(help: "Show a unified diff of the captured output of each script whose output changed.")
  var output = false

  /// Shows values of secret-looking keys.
  @Flag(help: "Show values of secret-looking metadata keys instead of <masked>.")
  var showSecrets = false

  func validate() throws {
    guard runs.count <= 2 else {
      throw ValidationError("diff takes at most two runs (FROM TO), not \(runs.count)")
    }
  }

  func run() throws {
    let store = try History.open(database)
    let to: Int64
    let from: Int64
    switch runs.count {
    case 2:
      from = try store.resolveRun(runs[0])
      to = try store.resolveRun(runs[1])
    default:
      let reference = runs.first ?? "latest"
      to = try store.resolveRun(reference)
      guard let baseline = try store.baseline(for: to) else {
        throw ForensicsError.noBaseline(run: to)
      }
      from = baseline
    }
    let comparison = RunComparison.compare(
      from: try store.run(from), fromInputs: try store.inputs(run: from), to: try store.run(to),
      toInputs: try store.inputs(run: to), showSecrets: showSecrets)
    let outputs = output ? try outputDiffs(comparison, store: store) : []
    if json {
      let output = { (script: ScriptDetail, stream: String) in try store.output(script: script.id, stream: stream) }
      print(try DiffJSON.render(comparison, outputs: outputs, output: output).rendered)
    } else {
      print(DiffReport(comparison: comparison, outputs: outputs).text, terminator: "")
    }
  }

  /// A unified diff of one stream of one script.
  struct OutputDiff {
    let phase: String
    let name: String
    let stream: String
    let diff: String
  }

  func outputDiffs(_ comparison: RunComparison, store: HistoryStore) throws -> [OutputDiff] {
    var diffs: [OutputDiff] = []
    for change in comparison.scripts {
      // Scripts in both runs: output that merely appears or vanishes with a
      // script says nothing the script list does not.
      guard let fromScript = change.from, let toScript = change.to else { continue }
      for stream in ["stdout", "stderr"] {
        let old = try store.output(script: fromScript.id, stream: stream)
        let new = try store.output(script: toScript.id, stream: stream)
        guard old.kept != new.kept else { continue }
        let diff = UnifiedDiff.text(
          old: String(decoding: old.kept, as: UTF8.self), new: String(decoding: new.kept, as: UTF8.self),
          oldLabel: "run \(comparison.from.summary.id) \(change.phase)/\(change.name) \(stream)",
          newLabel: "run \(comparison.to.summary.id) \(change.phase)/\(change.name) \(stream)")
        if !diff.isEmpty {
          diffs.append(OutputDiff(phase: change.phase, name: change.name, stream: stream, diff: diff))
        }
      }
    }
    return diffs
  }
}

/// What `diff` cannot answer.
enum ForensicsError: Error, CustomStringConvertible {
  case noBaseline(run: Int64)

  var description: String {
    switch self {
    case .noBaseline(let run): return "run \(run) is the first recorded run: there is nothing before it to compare with"
    }
  }
}
