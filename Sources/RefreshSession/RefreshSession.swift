import FileWatch
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunForensics
import RunHistory
import RunTelemetry
import RunViews
import SecretHiding
import SystemInterface

/// What a refresh is asked to do: the values of the command's options,
/// parsed and range-checked by the command.
public struct RefreshRequest: Sendable {
  public var baseDirectory: String?
  public var logLevel: LogLevel = .info
  public var lockfile: String = RunLock.defaultPath
  public var timeoutSeconds: Int?
  public var killAfterSeconds = 10
  /// The history's file; nil with `--no-history`.
  public var databasePath: String?
  public var requireHistory = false
  public var maxOutput = 32 * 1024
  public var keepRuns = Retention.defaultKeepRuns
  public var maxDatabaseBytes = Retention.defaultMaxBytes
  public var redactions: [String] = []
  public var redactFile: String?
  public var storeSecrets = false
  /// Watched paths given on the command line (`--watch-path`); empty: the
  /// environment's, else the default.
  public var watchPaths: [String] = []
  /// `--no-watch`.
  public var noWatch = false
  /// Patterns left alone besides the default ones (`--watch-exclude`).
  public var watchExcludes: [String] = []
  /// Files larger than this keep a digest only (`--max-file-content`).
  public var maxFileContent = 1 << 20
  public var metricsFile: String?
  public var otlpFile: String?
  /// Print what would run and run nothing (`--dry-run`).
  public var dryRun = false
  /// Our version, for the record and the trace.
  public var version: String
  /// Our command line, for the record.
  public var arguments: [String]

  /// A request with the reference's defaults.
  public init(version: String, arguments: [String]) {
    self.version = version
    self.arguments = arguments
  }
}

/// What a host other than the command sets around a refresh (a test that
/// runs it in its own process): more observers, where output goes, and
/// whether orphans come back to it.
public struct SessionHooks {
  /// Observers beside the console, the recorder and the tracer.
  public var observers: [RunObserver] = []
  /// Where the dry run's listing and scripts' stdout go.
  public var standardOutput: Int32 = STDOUT_FILENO
  /// Where scripts' stderr goes.
  public var standardError: Int32 = STDERR_FILENO
  /// Whether the process becomes the subreaper of scripts' orphans: only a
  /// process whose every child is the runner's may (the command; not a test).
  public var adoptsOrphans = true

  /// The command's own: our stdout and stderr, orphans adopted.
  public init() {}
}

/// A refresh from start to end: the console, the lock, the recorder, the
/// run, and the files it leaves for the fleet (metrics, trace).
public enum RefreshSession {
  /// Runs the refresh `request` describes in `environment`.
  /// - Throws: ``CommandEnded`` with a non-zero exit status (its messages
  ///   already logged), or an error to report in one line.
  public static func run(
    _ request: RefreshRequest, environment: ProcessEnvironment, hooks: SessionHooks = SessionHooks()
  ) throws {
    let base = BaseDirectory.resolve(option: request.baseDirectory, environment: environment.dictionary)
    let console = ConsoleLog(threshold: request.logLevel, environment: environment.dictionary)
    if let warning = base.deprecationWarning { console.log(.warning, warning) }
    let pattern = try RunPartsPattern.forEnvironment(environment.dictionary)
    let redactor = try OutputRedactor.forArguments(request.redactions, file: request.redactFile)
    try base.validate()
    if request.dryRun {
      writeFully(hooks.standardOutput, DryRunReport.text(baseDirectory: base.path, pattern: pattern))
      return
    }
    let lock: RunLock
    do {
      lock = try RunLock.acquire(path: request.lockfile)
    } catch {
      console.log(.error, error.description)
      throw CommandEnded(exitStatus: error.exitStatus)
    }
    defer { lock.release() }
    let history = try history(
      for: request, environment: environment, console: console, base: base, pattern: pattern, redactor: redactor)
    let recorder = history?.recorder
    let outputs = FleetOutputs.resolve(
      metricsOption: request.metricsFile, otlpOption: request.otlpFile, environment: environment.dictionary)
    let tracer = RunTracer(version: request.version)
    var observers: [RunObserver] = [console]
    if let recorder { observers.append(recorder) }
    if !outputs.isEmpty { observers.append(tracer) }
    let live = outputs.metricsFile.map { path in
      LiveMetrics(
        path: path, previousRun: { LiveMetrics.previousRun(in: history?.store.queries) },
        redact: { redactor?.redact($0) ?? $0 }, warn: { console.log(.warning, $0) })
    }
    if let live { observers.append(live) }
    observers += hooks.observers
    let configuration = RefreshConfiguration(
      baseDirectory: base.path, timeoutSeconds: request.timeoutSeconds, killAfterSeconds: request.killAfterSeconds,
      scriptPattern: pattern, environment: environment, arguments: request.arguments,
      passThrough: (hooks.standardOutput, hooks.standardError), adoptsOrphans: hooks.adoptsOrphans)
    let outcome = try RefreshRun(configuration: configuration, observers: observers).run()
    outputs.write(
      tracer: tracer,
      recorded: history.flatMap { opened in opened.recorder.recordedRunID.map { (opened.store.queries, $0) } },
      redact: { redactor?.redact($0) ?? $0 },
      metricsWarned: live?.failed ?? false, metricsInProgress: live?.leftInProgress ?? false,
      cause: { id in history.flatMap { failureCause(of: id, in: $0.store.queries) } },
      warn: { console.log(.warning, $0) })
    if let line = history?.recorder.sealLine { console.log(.info, line) }
    // A refresh stopped by a signal exits at once: the scrub waits.
    if let history, outcome.exitStatus.code < 128 {
      RecordingSession.continueScrub(
        history.store, recorder: history.recorder, info: { console.log(.info, $0) },
        warn: { console.log(.warning, $0) })
    }
    if outcome.exitStatus != .success { throw CommandEnded(exitStatus: outcome.exitStatus) }
  }

  /// What `why` names first for run `id`'s failure, as `why --json` would
  /// (this node's package logs read too), for the metrics and the trace;
  /// nil when it names nothing or cannot read the history.
  static func failureCause(of id: Int64, in queries: HistoryQueries) -> TracedCause? {
    guard
      case .explained(let explanation)? = try? WhyAnalysis.explain(
        run: id, in: queries, packages: PackageLog(root: "/")),
      let first = explanation.causes.first
    else { return nil }
    return TracedCause(
      phase: explanation.failure.phase, script: explanation.failure.name, kind: first.kind.rawValue,
      subject: first.subject)
  }

  /// The history and its recorder, unless recording is off or impossible
  /// (then a WARNING, or with `--require-history` an error and exit 1).
  private static func history(
    for request: RefreshRequest, environment: ProcessEnvironment, console: ConsoleLog, base: BaseDirectory,
    pattern: RunPartsPattern, redactor: OutputRedactor?
  ) throws -> (store: HistoryStore, recorder: HistoryRecorder)? {
    guard let path = request.databasePath else { return nil }
    var settings = HistoryRecorder.Settings(
      maxOutput: request.maxOutput,
      plannedScripts: DryRunReport.plannedScripts(baseDirectory: base.path, pattern: pattern),
      version: request.version, keepRuns: request.keepRuns, redactor: redactor)
    settings.required = request.requireHistory
    settings.maxDatabaseBytes = request.maxDatabaseBytes
    let variable = environment.dictionary["OS_REFRESH_CONFIG_STORE_SECRETS"] ?? ""
    settings.storeSecrets = request.storeSecrets || !["", "0", "false", "no"].contains(variable.lowercased())
    settings.watch = watchSettings(for: request, environment: environment, console: console)
    do {
      return try RecordingSession.open(
        path: path, required: request.requireHistory, settings: settings, warn: { console.log(.warning, $0) })
    } catch {
      console.log(.error, error.description)
      throw CommandEnded(exitStatus: error.lockHeld?.exitStatus ?? .failure)
    }
  }
}
