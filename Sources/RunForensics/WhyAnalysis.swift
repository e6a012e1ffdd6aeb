import MetadataDocuments
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// `why`: for the script (or environment.d file) that failed in a run, the
/// window its failure began in (last good run, first bad run) and the
/// candidate causes found there, ranked: what the script itself is and
/// reads above what merely changed beside it.
public enum WhyAnalysis {
  /// What `why` can say about a run.
  public enum Outcome: Sendable {
    case explained(FailureExplanation)
    /// Nothing failed in it (it succeeded, or is still running).
    case nothingFailed(RunSummary)
  }

  /// How far back a script's history is walked for its last success.
  static let historyLimit = 200
  /// How many of its recent runs tell an intermittent failure.
  static let recentRuns = 20

  /// Explains run `id` of the history `queries` reads; package changes are
  /// looked for in `packages`' logs.
  public static func explain(run id: Int64, in queries: HistoryQueries, packages: PackageLog) throws -> Outcome {
    let detail = try queries.run(id)
    let phases = detail.phases.filter { $0.name != .error }
    if let script = phases.flatMap(\.scripts).first(where: { $0.status.isFailure }) {
      return .explained(try explainScript(script, in: detail, queries: queries, packages: packages))
    }
    if let phase = phases.first(where: { $0.environmentFailure != nil }), let failure = phase.environmentFailure {
      return .explained(
        try explainEnvironment(failure, phase: phase.name, in: detail, queries: queries, packages: packages))
    }
    if let deployment = detail.deployments.last(where: { !$0.succeeded }) {
      return .explained(try explainDeployment(deployment, in: detail, queries: queries, packages: packages))
    }
    return .nothingFailed(detail.summary)
  }

  // MARK: - A Heat deployment

  /// A deployment whose hook failed while its script (heat-config)
  /// succeeded: its window is by its name (its id changes with every input),
  /// and its own inputs, config and options come first.
  private static func explainDeployment(
    _ deployment: DeploymentRecord, in detail: RunDetail, queries: HistoryQueries, packages: PackageLog
  ) throws -> FailureExplanation {
    let id = detail.summary.id
    let lastGood = try queries.lastDeploymentSuccess(name: deployment.name, before: id)
    let firstBad = try queries.firstDeploymentFailure(name: deployment.name, after: lastGood, upTo: id) ?? id
    let base = try lastGood ?? queries.baseline(for: firstBad)
    var window = try Window(from: base, to: firstBad, queries: queries)
    let runner = window.toDetail.phases.flatMap(\.scripts).last {
      $0.phase == deployment.phase && $0.name == deployment.script
    }
    let reads = ScriptReads(text: try runner.flatMap { try queries.scriptContent(script: $0.id) } ?? [])
    var causes = CauseList()
    causes.failedDeployment = deployment.name
    if let comparison = window.comparison {
      causes.churn = try ChurnKeys(for: comparison, upTo: base, queries: queries)
      if let runner { try causes.addScriptChanges(comparison, failed: runner, queries: queries, failingRuns: 1) }
      causes.addInputChanges(comparison, reads: reads, inputs: window.toInputs, failedEnvironmentFile: nil)
    }
    window.packageLogs = causes.addSystemChanges(window, reads: reads, packages: packages)
    causes.addIntermittence(history: [], sha256: nil, window: window)
    let failure = FailureExplanation.Failure(
      phase: deployment.phase, name: deployment.script, status: ScriptStatus.success.rawValue, exitCode: 0,
      signal: nil)
    let failing = try queries.runIDs(from: firstBad, to: id).count
    var explanation = FailureExplanation(
      run: detail.summary, failure: failure, lastGoodRun: lastGood, firstBadRun: firstBad, failingRuns: failing,
      neverSucceeded: lastGood == nil,
      errorLines: lastLines(deployment.stderr.isEmpty ? deployment.stdout : deployment.stderr),
      causes: causes.ranked(), packageLogs: window.packageLogs)
    explanation.deployment = deployment
    return explanation
  }

  // MARK: - A script

  private static func explainScript(
    _ script: ScriptDetail, in detail: RunDetail, queries: HistoryQueries, packages: PackageLog
  ) throws -> FailureExplanation {
    let history = try queries.scriptHistory(
      phase: script.phase, name: script.name, upTo: detail.summary.id, limit: historyLimit
    ).filter { $0.status != .running }
    var (firstBad, lastGood, failing) = (detail.summary.id, Int64?.none, 0)
    for entry in history {
      if entry.status == .success {
        lastGood = entry.runID
        break
      }
      (firstBad, failing) = (entry.runID, failing + 1)
    }
    let base = try lastGood ?? queries.baseline(for: firstBad)
    var window = try Window(from: base, to: firstBad, queries: queries)
    let badScript = window.toDetail.phases.flatMap(\.scripts).last {
      $0.phase == script.phase && $0.name == script.name
    }
    let text = try badScript.flatMap { try queries.scriptContent(script: $0.id) } ?? []
    let reads = ScriptReads(text: text)
    var causes = CauseList()
    if let comparison = window.comparison {
      causes.churn = try ChurnKeys(for: comparison, upTo: base, queries: queries)
      try causes.addScriptChanges(comparison, failed: script, queries: queries, failingRuns: failing)
      causes.addInputChanges(comparison, reads: reads, inputs: window.toInputs, failedEnvironmentFile: nil)
    } else if lastGood == nil {
      causes.add(
        .failedScriptNew, script.phase.rawValue + "/" + script.name, "new in run \(firstBad), the first run",
        structural: true)
    }
    var failure = FailureExplanation.Failure(
      phase: script.phase, name: script.name, status: script.status.rawValue, exitCode: script.exitCode,
      signal: script.signal)
    failure.duration = script.durationMicroseconds
    failure.typicalDuration = median(history.filter { $0.status == .success }.compactMap(\.durationMicroseconds))
    if script.status == .timeout { failure.timeoutSeconds = timeoutSeconds(commandLine: detail.commandLine) }
    try causes.addFileChanges(
      window, failed: (script.phase, script.name, badScript?.startedAt ?? script.startedAt), reads: reads,
      queries: queries)
    window.packageLogs = causes.addSystemChanges(window, reads: reads, packages: packages)
    causes.addIntermittence(
      history: Array(history.prefix(recentRuns)), sha256: script.sha256, window: window, failure: failure)
    return FailureExplanation(
      run: detail.summary, failure: failure, lastGoodRun: lastGood, firstBadRun: firstBad, failingRuns: failing,
      neverSucceeded: lastGood == nil, errorLines: try errorLines(of: script, queries: queries),
      causes: causes.ranked(), packageLogs: window.packageLogs)
  }

  // MARK: - An environment.d file

  private static func explainEnvironment(
    _ failed: EnvironmentFailureRecord, phase: Phase, in detail: RunDetail, queries: HistoryQueries,
    packages: PackageLog
  ) throws -> FailureExplanation {
    let id = detail.summary.id
    let lastGood = try queries.lastSuccess(before: id)
    let firstBad =
      try failed.file.flatMap { try queries.firstEnvironmentFailure(file: $0, after: lastGood, upTo: id) } ?? id
    let base = try lastGood ?? queries.baseline(for: firstBad)
    var window = try Window(from: base, to: firstBad, queries: queries)
    var causes = CauseList()
    if let comparison = window.comparison {
      causes.churn = try ChurnKeys(for: comparison, upTo: base, queries: queries)
      causes.addInputChanges(comparison, reads: nil, inputs: window.toInputs, failedEnvironmentFile: failed.file)
    }
    window.packageLogs = causes.addSystemChanges(window, reads: nil, packages: packages)
    causes.addIntermittence(history: [], sha256: nil, window: window)
    let name = "environment.d/" + baseName(failed.file ?? "(before the first file)")
    let failure = FailureExplanation.Failure(
      phase: phase, name: name, status: ScriptStatus.failed.rawValue, exitCode: failed.exitCode,
      signal: failed.signal)
    return FailureExplanation(
      run: detail.summary, failure: failure, lastGoodRun: lastGood, firstBadRun: firstBad,
      failingRuns: try queries.runIDs(from: firstBad, to: id).count, neverSucceeded: lastGood == nil,
      errorLines: lastLines(failed.output), causes: causes.ranked(), packageLogs: window.packageLogs)
  }

  // MARK: - Pieces

  /// The last 10 lines the script wrote to stderr (stdout when it wrote no
  /// stderr, or both were one channel).
  static func errorLines(of script: ScriptDetail, queries: HistoryQueries) throws -> [String] {
    let stream: ScriptStream = script.stderr.bytes > 0 ? .stderr : .stdout
    let captured = try queries.output(script: script.id, stream: stream)
    return lastLines(captured.truncated ? captured.tail : captured.head + captured.tail)
  }

  public static func lastLines(_ bytes: [UInt8], count: Int = 10) -> [String] {
    let lines = bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
      .filter { !$0.allSatisfy(\.isWhitespace) }
    return Array(lines.suffix(count))
  }

  static func median(_ values: [Int64]) -> Int64? {
    guard !values.isEmpty else { return nil }
    return values.sorted()[values.count / 2]
  }

  /// The `--timeout` a run was given, read from its recorded command line
  /// (a JSON array of its arguments); nil when it names none.
  static func timeoutSeconds(commandLine: String) -> Int64? {
    guard case .array(let words)? = JSONValue.parse(Array(commandLine.utf8)) else { return nil }
    let arguments = words.compactMap { word -> String? in
      if case .string(let text) = word { return text }
      return nil
    }
    for (index, argument) in arguments.enumerated() {
      if argument == "--timeout", index + 1 < arguments.count { return Int64(arguments[index + 1]) }
      if argument.hasPrefix("--timeout=") { return Int64(argument.dropFirst("--timeout=".count)) }
    }
    return nil
  }

  static func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }
}

/// The two runs a failure is explained between, compared.
struct Window {
  let from: Int64?
  let to: Int64
  let toDetail: RunDetail
  let toInputs: [StoredInput]
  let comparison: RunComparison?
  let systems: (from: RunSystem?, to: RunSystem?)
  var packageLogs: [String] = []

  init(from: Int64?, to: Int64, queries: HistoryQueries) throws {
    (self.from, self.to) = (from, to)
    toDetail = try queries.run(to)
    toInputs = try queries.inputs(run: to)
    if let from {
      comparison = RunComparison.compare(
        from: try queries.run(from), fromInputs: try queries.inputs(run: from), to: toDetail, toInputs: toInputs,
        showSecrets: false)
    } else {
      comparison = nil
    }
    systems = (try from.flatMap { try queries.system(run: $0) }, try queries.system(run: to))
  }
}
