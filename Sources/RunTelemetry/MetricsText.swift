import RefreshStore
import RefreshVocabulary
import SystemInterface

/// The outcome of the last run in the Prometheus text exposition format
/// (0.0.4), for node_exporter's textfile collector.
public struct MetricsText {
  /// What the history adds: runs by status since it began (pruned runs
  /// included, so the counters never go back), and when the last successful
  /// run ended. Absent without a history.
  public struct History: Sendable, Equatable {
    public var totals: [RunStatus: Int64]
    public var lastSuccessAt: Int64?

    /// The history's side of the metrics.
    public init(totals: [RunStatus: Int64], lastSuccessAt: Int64?) {
      self.totals = totals
      self.lastSuccessAt = lastSuccessAt
    }

    /// As `queries` holds it now.
    public init(_ queries: HistoryQueries) throws {
      self.init(totals: try queries.runTotals(), lastSuccessAt: try queries.lastSuccessFinishedAt())
    }
  }

  /// Whether a run is in progress, since when, and the script it started
  /// last: the series that let an alert see a run that never ends.
  public struct Progress: Sendable, Equatable {
    /// A script that started: its name already redacted.
    public struct Script: Sendable, Equatable {
      public var phase: Phase
      public var name: String
      public var startedAt: Int64

      public init(phase: Phase, name: String, startedAt: Int64) {
        (self.phase, self.name, self.startedAt) = (phase, name, startedAt)
      }
    }

    public var inProgress: Bool
    /// The current run's start, or the last one's.
    public var runStartedAt: Int64
    /// The script running now.
    public var script: Script?

    public init(inProgress: Bool, runStartedAt: Int64, script: Script? = nil) {
      (self.inProgress, self.runStartedAt, self.script) = (inProgress, runStartedAt, script)
    }
  }

  /// The names of the progress series, which a file read back drops.
  public static let progressNames = [
    "run_in_progress", "run_start_timestamp_seconds", "current_script_start_timestamp_seconds",
  ]

  let run: TracedRun?
  let history: History?
  let progress: Progress?
  let redact: (String) -> String

  /// The metrics of `run` (the last that ended; nil before any), with
  /// `history`'s when there is one and `progress`'s; label values pass
  /// through `redact`.
  public init(
    run: TracedRun?, history: History?, progress: Progress? = nil, redact: @escaping (String) -> String = { $0 }
  ) {
    self.run = run
    self.history = history
    self.progress = progress
    self.redact = redact
  }

  /// The statuses a finished run can have, each a `runs_total` series.
  static let finishedStatuses: [RunStatus] = RunStatus.allCases.filter { $0 != .running }

  /// One metric's HELP and TYPE lines, then its samples; nothing without samples.
  static func metric(
    _ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)], into out: inout String
  ) {
    guard !samples.isEmpty else { return }
    out += "# HELP os_refresh_config_\(name) \(help)\n# TYPE os_refresh_config_\(name) \(type)\n"
    for sample in samples { out += "os_refresh_config_\(name)\(sample.labels) \(sample.value)\n" }
  }

  /// The file's text: each metric's HELP and TYPE, then its samples.
  public var text: String {
    var out = run.map { finishedRunText($0) } ?? ""
    if let progress { out += Self.progressText(progress) }
    return out
  }

  /// The progress series.
  public static func progressText(_ progress: Progress) -> String {
    var out = ""
    metric(
      "run_in_progress", "gauge", "1 while a run is in progress, else 0.", [("", progress.inProgress ? "1" : "0")],
      into: &out)
    metric(
      "run_start_timestamp_seconds", "gauge",
      "When the run in progress, or else the last run, started, in seconds since the Unix epoch.",
      [("", seconds(progress.runStartedAt))], into: &out)
    if let script = progress.script {
      metric(
        "current_script_start_timestamp_seconds", "gauge",
        "When the script running now started, in seconds since the Unix epoch.",
        [(labels([("phase", script.phase.rawValue), ("script", script.name)]), seconds(script.startedAt))],
        into: &out)
    }
    return out
  }

  /// `text` (a metrics file read back) without the progress series, and
  /// without any line that is not one of our series' (a comment or a sample
  /// of `os_refresh_config_…`): what stays true while the next run is in progress.
  public static func finishedRunSeries(of text: String) -> String {
    var out = ""
    for line in text.split(separator: "\n") {
      var name = line[...]
      for prefix in ["# HELP ", "# TYPE "] where name.hasPrefix(prefix) { name = name.dropFirst(prefix.count) }
      guard name.hasPrefix("os_refresh_config_") else { continue }
      let metric = name.dropFirst("os_refresh_config_".count).prefix { $0 != " " && $0 != "{" }
      guard !progressNames.contains(String(metric)) else { continue }
      out += line + "\n"
    }
    return out
  }

  private func finishedRunText(_ run: TracedRun) -> String {
    var out = ""
    func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
      Self.metric(name, type, help, samples, into: &out)
    }
    metric(
      "last_run_timestamp_seconds", "gauge", "When the last run started, in seconds since the Unix epoch.",
      [("", Self.seconds(run.startedAt))])
    metric(
      "last_run_duration_seconds", "gauge", "How long the last run took.",
      [("", Self.seconds(run.durationMicroseconds))])
    metric(
      "last_run_success", "gauge", "1 when the last run succeeded, else 0.",
      [("", run.status == .success ? "1" : "0")])
    metric(
      "last_run_exit_code", "gauge", "The exit status of the last run.",
      run.exitCode.map { [("", String($0))] } ?? [])
    let lastSuccess = history?.lastSuccessAt ?? (run.status == .success ? run.finishedAt : nil)
    metric(
      "last_success_timestamp_seconds", "gauge",
      "When the last successful run ended, in seconds since the Unix epoch.",
      lastSuccess.map { [("", Self.seconds($0))] } ?? [])
    if let history {
      metric(
        "runs_total", "counter", "Runs recorded in the history, by how they ended.",
        Self.finishedStatuses.map { (Self.labels([("status", $0.rawValue)]), String(history.totals[$0] ?? 0)) })
    }
    let names = Self.numbered(run.scripts.map { ($0.phase.rawValue, redact($0.name)) })
    let scripts = zip(run.scripts, names).map { script, name in
      (labels: Self.labels([("phase", script.phase.rawValue), ("script", name)]), script: script)
    }
    metric(
      "script_duration_seconds", "gauge", "How long each script of the last run took.",
      scripts.map { ($0.labels, Self.seconds($0.script.durationMicroseconds)) })
    metric(
      "script_success", "gauge", "1 for each script of the last run that succeeded, else 0.",
      scripts.map { ($0.labels, $0.script.status == .success ? "1" : "0") })
    if let cause = run.cause {
      metric(
        "last_failure_cause_info", "gauge",
        "1 for what `why` names first for the last run's failure (the script, the cause's kind and subject); "
          + "absent when nothing failed.",
        [
          (
            Self.labels([
              ("phase", cause.phase.rawValue), ("script", redact(cause.script)), ("kind", cause.kind),
              ("subject", cause.subject(redactedBy: redact)),
            ]), "1"
          )
        ])
    }
    if let deployments = run.deployments { deploymentText(deployments, into: &out) }
    if let files = run.files { fileText(files, into: &out) }
    return out
  }

  /// What the last run did to the watched files, and what changed outside
  /// any refresh before it started.
  private func fileText(_ files: FileWatchSummary, into out: inout String) {
    Self.metric(
      "last_run_files_changed", "gauge",
      "Watched files the last run changed (by_refresh=\"true\"), and that other processes changed while it ran.",
      [
        (Self.labels([("by_refresh", "true")]), String(files.changedByRefresh)),
        (Self.labels([("by_refresh", "false")]), String(files.changedOutside)),
      ], into: &out)
    Self.metric(
      "drift_files", "gauge", "Watched files found changed outside any refresh when the last run started.",
      [("", String(files.drifted))], into: &out)
    Self.metric(
      "last_run_files_complete", "gauge", "1 when the last run's record of file changes is complete, else 0.",
      [("", files.watch.complete ? "1" : "0")], into: &out)
  }

  /// The Heat deployments the last run's scripts ran: how many failed (a
  /// deploy failed inside a run that succeeded), and each one's outcome.
  private func deploymentText(_ deployments: [TracedDeployment], into out: inout String) {
    Self.metric(
      "last_run_deployments_failed", "gauge",
      "Heat deployments the last run's scripts ran whose hook failed (heat-config exits 0 all the same).",
      [("", String(deployments.filter { !$0.succeeded }.count))], into: &out)
    let names = Self.numbered(deployments.map { ("", redact($0.name)) })
    let samples = zip(deployments, names).map { deployment, name in
      (
        Self.labels([("deployment", name), ("group", redact(deployment.group ?? ""))]),
        deployment.succeeded ? "1" : "0"
      )
    }
    Self.metric(
      "deployment_success", "gauge", "1 for each Heat deployment the last run ran that succeeded, else 0.", samples,
      into: &out)
  }

  /// Names made unique within their scope (a script's phase): two names
  /// `--redact` makes alike would make two samples of one series, and
  /// node_exporter would drop one (perhaps a failure), so the second and
  /// later get `#2`, `#3`… and every series stays unique.
  static func numbered(_ names: [(scope: String, name: String)]) -> [String] {
    var seen: [String: Int] = [:]
    return names.map { scope, name in
      let count = (seen[scope + "/" + name] ?? 0) + 1
      seen[scope + "/" + name] = count
      return count > 1 ? name + "#\(count)" : name
    }
  }

  /// `{name="value",…}` with values escaped as the format requires:
  /// backslash, double quote and line feed.
  static func labels(_ pairs: [(String, String)]) -> String {
    "{" + pairs.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
  }

  static func escaped(_ value: String) -> String {
    DisplayText.replacing(value) { scalar in
      switch scalar {
      case "\\": "\\\\"
      case "\"": "\\\""
      case "\n": "\\n"
      default: nil
      }
    }
  }

  /// Microseconds as seconds with six decimals.
  static func seconds(_ microseconds: Int64) -> String {
    let sign = microseconds < 0 ? "-" : ""
    let magnitude = microseconds.magnitude
    let fraction = String(magnitude % 1_000_000)
    return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
  }
}
