import RefreshRunner
import RefreshStore
import RefreshVocabulary
import Synchronization
import SystemInterface

/// The metrics file while a run is in progress: written when the run starts
/// and, from a thread of its own, within ``intervalMilliseconds`` of each
/// script's start, so the fleet sees a run that never ends
/// (`os_refresh_config_run_in_progress 1`, since when, and the script it is
/// in). Every series of the last run that ended stays as it was, so an
/// alert on the last outcome does not reset while the next run is in progress.
///
/// The runner's thread only notes the script that starts (no write, no
/// system call): rewriting the whole file at each of 500 one-millisecond
/// scripts cost 0.26 ms a script, measured; at most four writes a second
/// cost nothing a run can see, and a scrape (every 15 s or more) could not
/// tell the difference.
///
/// The last run's series come from the history when there is one (the same
/// text its end wrote), else from the file itself, read back without
/// following a link and keeping only our series' lines. A write that fails
/// is said once, and no live write is tried after it; the file written when
/// the run ends is tried as ever.
public final class LiveMetrics: RunObserver, @unchecked Sendable {
  /// How often the thread writes the file when a script started since.
  public static let intervalMilliseconds: Int32 = 250

  private let path: String
  private let previousRun: () -> (run: TracedRun, history: MetricsText.History?)?
  private let redact: (String) -> String
  private let warn: (String) -> Void
  /// The last run's series, as written with each update; set before the thread starts.
  private var baseline = ""
  private var startedAt: Int64 = 0
  /// The script that started last, and a count of the changes.
  private let latest = Mutex<(change: Int, script: MetricsText.Progress.Script?)>((0, nil))
  /// Why a write failed, once one has.
  private let failure = Mutex<String?>(nil)
  private var wake: PipeEnds?
  private var thread = pthread_t()
  private var running = false
  private var said = false

  /// Whether a write failed (and was said).
  public var failed: Bool { said }
  /// Whether a write of the run in progress reached the file: then, if the
  /// run's end cannot replace it, the file says the run is still going.
  public var leftInProgress: Bool { wroteInProgress.withLock { $0 } }
  private let wroteInProgress = Mutex(false)

  /// Writes `path`; `previousRun` gives the last run that ended and the
  /// history's totals, nil without a history.
  public init(
    path: String, previousRun: @escaping () -> (run: TracedRun, history: MetricsText.History?)?,
    redact: @escaping (String) -> String, warn: @escaping (String) -> Void
  ) {
    (self.path, self.previousRun, self.redact, self.warn) = (path, previousRun, redact, warn)
  }

  deinit { stop() }

  /// The last run and the history's side of the metrics, read from `queries`
  /// (nil when nothing ended yet or it cannot be read).
  public static func previousRun(in queries: HistoryQueries?) -> (run: TracedRun, history: MetricsText.History?)? {
    guard let queries, let last = try? queries.latestFinishedRun(), let detail = try? queries.run(last.id),
      let run = TracedRun(detail: detail)
    else { return nil }
    return (run, try? MetricsText.History(queries))
  }

  public func runWillStart(_ run: RunDescription) {
    startedAt = run.startedAt
    if let (last, history) = previousRun() {
      baseline = MetricsText(run: last, history: history, redact: redact).text
    } else {
      baseline = Self.readBack(path)
    }
    // The run's start is written at once; the scripts' from the thread.
    write(nil)
    if let failure = failure.withLock({ $0 }) {
      said = true
      warn(failure)
      return
    }
    // The pipe is in place before the thread that polls it starts.
    wake = try? PipeEnds()
    guard wake != nil, let started = QuietThread.start(unretained: self, { $0.loop() }) else { return }
    (thread, running) = (started, true)
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    let started = MetricsText.Progress.Script(phase: phase, name: redact(script.name), startedAt: span.startedAt)
    latest.withLock { $0 = ($0.change + 1, started) }
  }

  public func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64) {
    stop()
  }

  /// Ends the thread (the file written when the run ends follows); says a
  /// failed write once.
  private func stop() {
    guard running else { return }
    running = false
    if let wake { _ = writeFully(wake.writeEnd.rawValue, "x") }
    pthread_join(thread, nil)
    if let failure = failure.withLock({ $0 }), !said {
      said = true
      warn(failure)
    }
  }

  private func loop() {
    guard let wake else { return }
    var descriptors = [pollfd(fd: wake.readEnd.rawValue, events: Int16(POLLIN), revents: 0)]
    var written = 0
    while poll(&descriptors, 1, Self.intervalMilliseconds) <= 0 || descriptors[0].revents == 0 {
      let (change, script) = latest.withLock { $0 }
      guard change != written else { continue }
      written = change
      write(script)
      if failure.withLock({ $0 }) != nil { return }
    }
  }

  private func write(_ script: MetricsText.Progress.Script?) {
    let progress = MetricsText.Progress(inProgress: true, runStartedAt: startedAt, script: script)
    do {
      try TelemetryFiles.replace(path, with: baseline + MetricsText.progressText(progress), mode: 0o644)
      wroteInProgress.withLock { $0 = true }
    } catch {
      failure.withLock { $0 = "metrics: cannot write \(path) while the run is in progress (\(error))" }
    }
  }

  /// Our series in the file at `path` as the last run left it: a regular
  /// file, opened without following a link, at most 4 MiB read; "" otherwise.
  static func readBack(_ path: String) -> String {
    guard let (bytes, _) = try? SmallFile.read(path, limit: 4 << 20, followingLinks: false) else { return "" }
    return MetricsText.finishedRunSeries(of: String(decoding: bytes, as: UTF8.self))
  }
}
