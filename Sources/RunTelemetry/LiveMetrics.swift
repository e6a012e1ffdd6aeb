import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// The metrics file while a run is in progress: written when the run starts
/// and as each script starts, so the fleet sees a run that never ends
/// (`os_refresh_config_run_in_progress 1`, since when, and the script it is
/// in). Every series of the last run that ended stays as it was, so an
/// alert on the last outcome does not reset while the next run is in progress.
///
/// The last run's series come from the history when there is one (the same
/// text its end wrote), else from the file itself, read back without
/// following a link and keeping only our series' lines. A write that fails
/// is said once, and the run goes on without live writes; the file written
/// when the run ends is tried as ever.
public final class LiveMetrics: RunObserver {
  private let path: String
  private let previousRun: () -> (run: TracedRun, history: MetricsText.History?)?
  private let redact: (String) -> String
  private let warn: (String) -> Void
  /// The last run's series, as written with each update.
  private var baseline = ""
  private var startedAt: Int64 = 0
  /// Whether a write failed (and was said).
  public private(set) var failed = false

  /// Writes `path`; `previousRun` gives the last run that ended and the
  /// history's totals, nil without a history.
  public init(
    path: String, previousRun: @escaping () -> (run: TracedRun, history: MetricsText.History?)?,
    redact: @escaping (String) -> String, warn: @escaping (String) -> Void
  ) {
    (self.path, self.previousRun, self.redact, self.warn) = (path, previousRun, redact, warn)
  }

  /// The last run and the history's side of the metrics, read from `queries`
  /// (nil when nothing ended yet or it cannot be read).
  public static func previousRun(in queries: HistoryQueries?) -> (run: TracedRun, history: MetricsText.History?)? {
    guard let queries, let last = try? queries.latestFinishedRun(), let detail = try? queries.run(last.id),
      let run = TracedRun(detail: detail)
    else { return nil }
    let history = try? MetricsText.History(
      totals: queries.runTotals(), lastSuccessAt: queries.lastSuccessFinishedAt())
    return (run, history)
  }

  public func runWillStart(_ run: RunDescription) {
    startedAt = run.startedAt
    if let (last, history) = previousRun() {
      baseline = MetricsText(run: last, history: history, redact: redact).text
    } else {
      baseline = Self.readBack(path)
    }
    write(nil)
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    write((phase, redact(script.name), span.startedAt))
  }

  private func write(_ script: (phase: Phase, name: String, startedAt: Int64)?) {
    guard !failed else { return }
    let progress = MetricsText.Progress(inProgress: true, runStartedAt: startedAt, script: script)
    do {
      try TelemetryFiles.replace(path, with: baseline + MetricsText.progressText(progress), mode: 0o644)
    } catch {
      failed = true
      warn("metrics: cannot write \(path) while the run is in progress (\(error))")
    }
  }

  /// Our series in the file at `path` as the last run left it: a regular
  /// file, opened without following a link, at most 4 MiB read; "" otherwise.
  static func readBack(_ path: String) -> String {
    guard let file = try? FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY),
      let info = try? file.status(), info.st_mode & S_IFMT == S_IFREG
    else { return "" }
    var bytes = [UInt8](repeating: 0, count: 4 << 20)
    var count = 0
    while count < bytes.count {
      let read = bytes[count...].withUnsafeMutableBytes { try? file.read(into: $0) } ?? 0
      guard read > 0 else { break }
      count += read
    }
    return MetricsText.finishedRunSeries(of: String(decoding: bytes[..<count], as: UTF8.self))
  }
}
