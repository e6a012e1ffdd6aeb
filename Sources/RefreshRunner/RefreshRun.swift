import RefreshVocabulary
import SystemInterface

/// One refresh: the four phases in order, error.d when one fails.
///
/// It behaves as os-refresh-config 14.1.0 with dib-run-parts 0.0.11 and
/// reports every event to its observers.
public final class RefreshRun {
  let configuration: RefreshConfiguration
  let observers: [RunObserver]
  let clock: RunClock
  private var deadline: MonotonicInstant?
  private var timedOut = false
  /// Destinations already reported as stalled.
  private var reportedStalls: Set<Int32> = []
  /// How children's stdout and stderr are connected, from where ours go.
  let channels: OutputChannels
  /// The run's trace: scripts get their span of it in `TRACEPARENT`.
  let trace: RunTrace
  /// A `TRACEPARENT` we were given that is not a W3C trace context.
  private let ignoredTraceParent: String?
  /// Raised once a termination signal arrives: observers' long work stops there.
  let termination = TerminationNotice()

  /// Prepares a run; nothing happens until ``run()``.
  public init(configuration: RefreshConfiguration, observers: [RunObserver], clock: RunClock = RunClock()) {
    self.configuration = configuration
    self.observers = observers
    self.clock = clock
    channels =
      configuration.outputChannels
      ?? OutputChannels.matching(stdout: configuration.passThrough.stdout, stderr: configuration.passThrough.stderr)
    let given = configuration.environment.dictionary
    trace =
      configuration.trace
      ?? RunTrace.start(traceParent: given["TRACEPARENT"], traceState: given["TRACESTATE"])
    ignoredTraceParent = trace.parentSpanID == nil ? given["TRACEPARENT"] : nil
  }

  /// Why a phase did not complete.
  enum PhaseFailure {
    case failed(String)
    case interrupted(Int32)
    /// An observer said the run may not go on.
    case stopped(String)
  }

  /// How the run ended and the exit status it gives.
  public struct Outcome: Sendable, Equatable {
    /// How the run ended.
    public let status: RunStatus
    /// The status the process exits with.
    public let exitStatus: ExitStatus

    init(_ status: RunStatus, _ exitStatus: ExitStatus) {
      self.status = status
      self.exitStatus = exitStatus
    }
  }

  /// Runs the refresh.
  /// - Returns: how it ended and the exit status: 0, 1 (a phase failed or
  ///   timed out), or 128 + the signal that interrupted it.
  /// - Throws: ``SystemError`` when the machinery itself (signalfd) cannot be set up.
  public func run() throws(SystemError) -> Outcome {
    let supervisor = try ChildSupervisor(
      killAfterNanoseconds: Int64(configuration.killAfterSeconds) * 1_000_000_000,
      adoptsOrphans: configuration.adoptsOrphans, notice: termination, clock: clock)
    defer { supervisor.pump.closeLingering() }
    let started = clock.monotonicNanoseconds()
    if let nanoseconds = configuration.timeoutNanoseconds { deadline = started + nanoseconds }
    notify { $0.runWillStart(describe()) }
    supervisor.pump.waitingWork = observers.compactMap { $0.workWhileWaiting() }
    if let ignored = ignoredTraceParent {
      log(.debug, "TRACEPARENT ignored (not a W3C trace context): \(DisplayText.escaped(ignored, singleLine: true))")
    }
    let failure = observersAllow() ? runPhases(supervisor) : (.preConfigure, .stopped("before the first phase"))
    let outcome = finish(after: failure, supervisor: supervisor)
    let duration = clock.monotonicNanoseconds() - started
    notify { $0.runDidFinish(status: outcome.status, exitStatus: outcome.exitStatus, durationNanoseconds: duration) }
    return outcome
  }

  private func describe() -> RunDescription {
    RunDescription(
      baseDirectory: configuration.baseDirectory, arguments: configuration.arguments,
      environment: configuration.environment, startedAt: clock.wallMicroseconds(), deadline: deadline, trace: trace,
      termination: termination)
  }

  /// Runs the four phases until one fails; the phases not reached are skipped.
  private func runPhases(_ supervisor: ChildSupervisor) -> (phase: Phase, reason: PhaseFailure)? {
    for (index, phase) in Phase.ordered.enumerated() {
      if let signal = supervisor.checkForTermination() {
        for remaining in Phase.ordered[index...] { finishPhase(remaining, .skipped, since: nil) }
        return (phase, .interrupted(signal))
      }
      let directory = configuration.path(phase.directoryName)
      log(.debug, "Checking \(directory)")
      if let reason = runPhase(phase, directory: directory, supervisor: supervisor) {
        for remaining in Phase.ordered[(index + 1)...] { finishPhase(remaining, .skipped, since: nil) }
        return (phase, reason)
      }
    }
    return nil
  }

  /// The outcome of the run, after error.d when a phase failed.
  private func finish(after failure: (phase: Phase, reason: PhaseFailure)?, supervisor: ChildSupervisor) -> Outcome {
    switch failure?.reason {
    case nil:
      return Outcome(.success, .success)
    case .interrupted(let signal):
      return interrupted(by: signal)
    case .stopped(let when):
      log(.error, "the run cannot be recorded and recording is required: stopped \(when); nothing more runs")
      return Outcome(.failed, .failure)
    case .failed(let reason):
      log(.error, "during \(failure!.phase.rawValue) phase. [\(reason)]")
      let errorDirectory = configuration.path(Phase.error.directoryName)
      if access(errorDirectory, F_OK) == 0 {
        log(.info, "Calling error handlers.")
        if case .interrupted(let signal) = runPhase(.error, directory: errorDirectory, supervisor: supervisor) {
          return interrupted(by: signal)
        }
      }
      log(.error, "Aborting...")
      return Outcome(timedOut ? .timeout : .failed, .failure)
    }
  }

  private func interrupted(by signal: Int32) -> Outcome {
    log(.error, "Interrupted by \(signalName(signal)): no further script runs.")
    return Outcome(.interrupted, .signal(signal))
  }

  // MARK: - Phases

  /// Runs one phase whose directory is `directory`. Returns nil when it
  /// completed or has no directory, else why it failed.
  private func runPhase(_ phase: Phase, directory: String, supervisor: ChildSupervisor) -> PhaseFailure? {
    let started = clock.monotonicNanoseconds()
    let scripts: [Script]
    switch listScripts(of: phase, in: directory) {
    case .absent: return nil
    case .failed(let reason): return failPhase(phase, since: started, reason)
    case .found(let found): scripts = found
    }
    if phase != .error { log(.info, "Starting phase \(phase.rawValue)") }
    announce(phase, directory: directory)
    let setting: ScriptSetting
    switch loadEnvironment(for: phase, supervisor: supervisor) {
    case .success(let loaded): setting = loaded
    case .failure(let reason):
      finishPhase(phase, reason.isInterruption ? .skipped : .failed, since: started)
      return reason.phaseFailure
    }
    let launcher = ScriptLauncher(
      environment: CStringArray(bytes: ScriptLauncher.tracedEntries(setting.environment.byteEntries, trace: trace)),
      state: setting.state, channels: channels,
      terminals: configuration.passThrough)
    for script in scripts {
      if let reason = runScript(script, in: phase, launcher: launcher, supervisor: supervisor) {
        finishPhase(phase, .failed, since: started)
        return reason
      }
    }
    finishPhase(phase, .success, since: started)
    if phase != .error { log(.info, "Completed phase \(phase.rawValue)") }
    return nil
  }

  private enum Listing {
    case absent
    case failed(String)
    case found([Script])
  }

  /// The scripts of a phase; an absent directory finishes the phase as absent.
  private func listScripts(of phase: Phase, in directory: String) -> Listing {
    switch PhaseDirectory.inspect(directory, pattern: configuration.scriptPattern) {
    case .absent:
      log(.debug, "No dir for phase \(phase.rawValue)")
      finishPhase(phase, .absent, since: nil)
      return .absent
    case .notADirectory:
      return .failed("\(directory) is not a directory")
    case .unreadable(let error):
      log(.info, "Starting phase \(phase.rawValue)")
      announce(phase, directory: directory)
      return .failed("cannot list \(directory): \(error.reason)")
    case .listed(let found, let passedOver):
      for entry in passedOver {
        log(.debug, "Not running \(joinPath(directory, entry.name)): \(entry.reason.rawValue)")
      }
      return .found(found)
    }
  }

  /// Tells the observers a phase starts, as a new span.
  private func announce(_ phase: Phase, directory: String) {
    let span = SpanStart(id: .random(), startedAt: clock.wallMicroseconds())
    notify { $0.phaseWillStart(phase, directory: directory, span: span) }
  }

  private func failPhase(_ phase: Phase, since started: MonotonicInstant, _ reason: String) -> PhaseFailure {
    finishPhase(phase, .failed, since: started)
    return .failed(reason)
  }

  private func finishPhase(_ phase: Phase, _ status: PhaseStatus, since started: MonotonicInstant?) {
    let duration = started.map { clock.monotonicNanoseconds() - $0 } ?? 0
    notify { $0.phaseDidFinish(phase, status: status, durationNanoseconds: duration) }
  }

  // MARK: - Scripts

  /// Runs one script of a phase; returns why the phase stops, or nil to go on.
  private func runScript(
    _ script: Script, in phase: Phase, launcher: ScriptLauncher, supervisor: ChildSupervisor
  ) -> PhaseFailure? {
    if let signal = supervisor.checkForTermination() { return .interrupted(signal) }
    if phase != .error && deadlinePassed() { return .failed("timeout reached before \(script.path) started") }
    guard let outcome = execute(script, in: phase, launcher: launcher, supervisor: supervisor) else {
      return .stopped("before \(script.path)")
    }
    if let signal = supervisor.checkForTermination(), outcome.status == .success || outcome.status == .interrupted {
      return .interrupted(signal)
    }
    guard outcome.status == .success else { return .failed("\(script.path) \(outcome.termination.summary)") }
    return nil
  }

  /// Starts `script`, waits for it while its output is pumped, and reports it.
  /// Returns nil when an observer stopped the run before the script started.
  private func execute(
    _ script: Script, in phase: Phase, launcher: ScriptLauncher, supervisor: ChildSupervisor
  ) -> ScriptOutcome? {
    log(.info, "Running \(script.path)")
    let span = SpanStart(id: .random(), startedAt: clock.wallMicroseconds())
    let startedAt = span.startedAt
    let started = clock.monotonicNanoseconds()
    notify { $0.scriptWillStart(script, in: phase, span: span) }
    guard observersAllow() else { return nil }
    func finish(_ status: ScriptStatus, _ termination: Termination, _ error: SystemError? = nil) -> ScriptOutcome {
      let outcome = ScriptOutcome(
        status: status, termination: termination, spawnError: error, startedAt: startedAt,
        durationNanoseconds: clock.monotonicNanoseconds() - started, channels: channels)
      notify { $0.scriptDidFinish(script, in: phase, outcome: outcome) }
      if status == .success { log(.info, "\(script.name) completed") }
      return outcome
    }
    let launched: ScriptLauncher.Launched
    do {
      launched = try launcher.launch(script, traceParent: trace.traceParent(for: span.id))
    } catch {
      log(.error, "\(script.path): cannot execute: \(error.error.reason)")
      return finish(.failed, .exited(error.shellStatus), error.error)
    }
    notify { $0.scriptDidStart(script, in: phase, pid: launched.pid) }
    let exit = supervisor.wait(
      for: launched.pid, streams: launched.outputs.map { stream($0, of: script, in: phase) },
      deadline: activeDeadline, onTimeout: timeoutReached)
    reportStalls(supervisor.pump.stalledDestinations)
    let outcome = finish(ScriptOutcome.status(of: exit), exit.termination)
    if phase == .error && outcome.status != .success && outcome.status != .interrupted {
      // A failing phase is named in its "during … phase" line; a failing
      // handler has no such line.
      log(.warning, "error handler \(script.path) \(exit.termination.summary)")
    }
    return outcome
  }

  private func stream(_ output: ScriptLauncher.Output, of script: Script, in phase: Phase) -> ChildStream {
    let observers = self.observers
    let stream = output.stream
    return ChildStream(
      source: output.source,
      passThrough: stream == .stdout ? configuration.passThrough.stdout : configuration.passThrough.stderr,
      deliver: { bytes in
        for observer in observers { observer.script(script, in: phase, wrote: bytes, to: stream) }
      }, isTerminal: output.isTerminal)
  }

  private func reportStalls(_ stalled: Set<Int32>) {
    for destination in stalled.subtracting(reportedStalls) {
      reportedStalls.insert(destination)
      let name = destination == configuration.passThrough.stdout ? ScriptStream.stdout : .stderr
      log(
        .warning,
        "our \(name.rawValue) stopped taking output; what scripts still write there is dropped (and kept in the history)"
      )
    }
  }

  // MARK: - Timeout

  /// The deadline while it has not fired yet: after a timeout, error.d runs
  /// without one, as under the reference (whose one-shot alarm has gone off).
  var activeDeadline: MonotonicInstant? { timedOut ? nil : deadline }

  /// Whether the deadline has passed; fires the timeout when it has not yet
  /// fired. A deadline, once reached, ends the run however the timing falls:
  /// between two scripts, or as a script exits.
  func deadlinePassed() -> Bool {
    guard let deadline, !timedOut else { return timedOut }
    guard clock.monotonicNanoseconds() >= deadline else { return false }
    timeoutReached()
    return true
  }

  func timeoutReached() {
    timedOut = true
    log(.error, "Timeout reached: \(configuration.timeoutSeconds ?? 0)s. Sending SIGKILL to all children")
  }

  // MARK: - Observers

  /// Whether every observer lets the run go on.
  private func observersAllow() -> Bool { observers.allSatisfy { $0.mayContinue() } }

  func notify(_ body: (RunObserver) -> Void) {
    for observer in observers { body(observer) }
  }

  func log(_ level: LogLevel, _ message: String) {
    notify { $0.log(level, message) }
  }
}
