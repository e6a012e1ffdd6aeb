import RefreshStore
import SystemInterface

/// The files a run leaves for the fleet's engines, written when it ends
/// (failed, timed out and interrupted runs too), under the run lock: the
/// Prometheus metrics file and the OTLP trace file. A failure to write one
/// costs a WARNING, never the refresh. The metrics file is also written as
/// the run starts and as each script starts (``LiveMetrics``).
public struct FleetOutputs: Sendable, Equatable {
  /// Debian's `prometheus-node-exporter` reads `*.prom` files here.
  public static let textfileDirectory = "/var/lib/prometheus/node-exporter"
  /// Our file there.
  public static let defaultMetricsFile = textfileDirectory + "/os-refresh-config.prom"

  /// Where the metrics go; nil for nowhere.
  public var metricsFile: String?
  /// Where trace lines are appended; nil for nowhere.
  public var otlpFile: String?

  /// The files to write: an option wins over its environment variable
  /// (`OS_REFRESH_CONFIG_METRICS_FILE`, `OS_REFRESH_CONFIG_OTLP_FILE`); an
  /// empty value means none. The metrics file defaults to
  /// `os-refresh-config.prom` in node_exporter's directory when it exists
  /// (``defaultMetricsFile``; tests name another `textfileDirectory`).
  public static func resolve(
    metricsOption: String?, otlpOption: String?, environment: [String: String],
    textfileDirectory: String = Self.textfileDirectory
  ) -> FleetOutputs {
    var metrics = metricsOption ?? environment["OS_REFRESH_CONFIG_METRICS_FILE"]
    if metrics == nil {
      var info = stat()
      if lstat(textfileDirectory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
        metrics = textfileDirectory + "/os-refresh-config.prom"
      }
    }
    let otlp = otlpOption ?? environment["OS_REFRESH_CONFIG_OTLP_FILE"]
    return FleetOutputs(
      metricsFile: metrics.flatMap { $0.isEmpty ? nil : $0 }, otlpFile: otlp.flatMap { $0.isEmpty ? nil : $0 })
  }

  /// Whether there is anything to write.
  public var isEmpty: Bool { metricsFile == nil && otlpFile == nil }

  /// Writes the files for the run that just ended: as the history holds it
  /// when it was recorded (`recorded`; the same trace `history export`
  /// gives, but for `why`'s cause, which only the run's end works out),
  /// else as `tracer` watched it. Text attributes and labels pass
  /// through `redact`; `warn` gets one line per file that cannot be written
  /// (none for the metrics file when `metricsWarned` and nothing of the run
  /// reached it: the run said it already; when the run in progress did reach
  /// it, `metricsInProgress`, one more: the file still says it runs).
  /// `cause` is asked for the run's cause only when something failed in it
  /// (its status, or a Heat deployment in a run that succeeded).
  public func write(
    tracer: RunTracer, recorded: (queries: HistoryQueries, runID: Int64)?, redact: @escaping (String) -> String,
    metricsWarned: Bool = false, metricsInProgress: Bool = false, cause: (Int64) -> TracedCause? = { _ in nil },
    warn: (String) -> Void
  ) {
    guard !isEmpty else { return }
    var run = tracer.run
    var history: MetricsText.History?
    if let recorded {
      do {
        if let stored = TracedRun(detail: try recorded.queries.run(recorded.runID)) { run = stored }
        history = try MetricsText.History(recorded.queries)
      } catch {
        warn("history: cannot read the run back for its metrics and trace (\(error)); written as watched")
      }
    }
    guard var run else { return }
    if let id = run.runID, run.status != .success || run.deployments?.contains(where: { !$0.succeeded }) == true {
      run.cause = cause(id)
    }
    if let metricsFile {
      do {
        try TelemetryFiles.replace(
          metricsFile,
          with: MetricsText(
            run: run, history: history, progress: MetricsText.Progress(inProgress: false, runStartedAt: run.startedAt),
            redact: redact
          ).text, mode: 0o644)
      } catch {
        if metricsInProgress {
          warn(
            "metrics: cannot write the run's end to \(metricsFile) (\(error)); it still says a run is in progress")
        } else if !metricsWarned {
          warn("metrics: cannot write \(metricsFile) (\(error))")
        }
      }
    }
    if let otlpFile {
      do {
        try TelemetryFiles.append(line: OTLPTrace(run, redact: redact).line, to: otlpFile, mode: 0o640)
      } catch {
        warn("trace: cannot append to \(otlpFile) (\(error))")
      }
    }
  }
}
