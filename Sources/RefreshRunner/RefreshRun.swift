#if canImport(Glibc)
  import Glibc
#endif

/// What a refresh needs to know before it starts.
public struct RefreshConfiguration {
  /// The directory holding `pre-configure.d` … `migration.d`, `error.d` and `environment.d`.
  public var baseDirectory: String
  /// Seconds from the start of the run after which the running script and
  /// every process it started are killed; nil for no limit.
  public var timeoutSeconds: Int?
  /// Seconds a script's processes get after a passed-on termination signal before SIGKILL.
  public var killAfterSeconds: Int
  /// The names scripts must match (`RUN_PARTS_REGEX`).
  public var scriptPattern: RunPartsPattern
  /// The environment scripts inherit, before environment.d.
  public var environment: ProcessEnvironment
  /// Our command line, for the record.
  public var arguments: [String]

  /// Creates a configuration; the defaults are those of the reference.
  public init(
    baseDirectory: String,
    timeoutSeconds: Int? = nil,
    killAfterSeconds: Int = 10,
    scriptPattern: RunPartsPattern,
    environment: ProcessEnvironment,
    arguments: [String] = []
  ) {
    self.baseDirectory = baseDirectory
    self.timeoutSeconds = timeoutSeconds
    self.killAfterSeconds = killAfterSeconds
    self.scriptPattern = scriptPattern
    self.environment = environment
    self.arguments = arguments
  }
}

/// One refresh: the four phases in order, error.d when one fails.
///
/// It behaves as os-refresh-config 14.1.0 with dib-run-parts 0.0.11 and
/// reports every event to its observers.
public final class RefreshRun {
  private let configuration: RefreshConfiguration
  private let observers: [RunObserver]
  private let clock: RunClock
  private var deadline: MonotonicInstant?
  private var timedOut = false
  /// Destinations already reported as stalled.
  private var reportedStalls: Set<Int32> = []

  /// Prepares a run; nothing happens until ``run()``.
  public init(configuration: RefreshConfiguration, observers: [RunObserver], clock: RunClock = RunClock()) {
    self.configuration = configuration
    self.observers = observers
    self.clock = clock
  }

  /// Why a phase did not complete.
  enum PhaseFailure {
    case failed(String)
    case interrupted(Int32)
  }

  /// Runs the refresh.
  /// - Returns: how it ended and the exit status: 0, 1 (a phase failed or
  ///   timed out), or 128 + the signal that interrupted it.
  /// - Throws: ``SystemError`` when the machinery itself (signalfd) cannot be set up.
  public func run() throws(SystemError) -> (status: RunStatus, exitStatus: Int32) {
    let supervisor = try ChildSupervisor(
      killAfterNanoseconds: Int64(configuration.killAfterSeconds) * 1_000_000_000, clock: clock)
    defer { supervisor.closeLingering() }
    if let seconds = configuration.timeoutSeconds, seconds > 0 {
      deadline = clock.monotonicNanoseconds() + Int64(seconds) * 1_000_000_000
    }
    let configFiles = (configuration.environment.dictionary["OS_CONFIG_FILES"] ?? "")
      .split(separator: ":").map(String.init)
    let description = RunDescription(
      baseDirectory: configuration.baseDirectory, arguments: configuration.arguments,
      environment: configuration.environment, configFiles: configFiles,
      startedAt: clock.wallMicroseconds())
    notify { $0.runWillStart(description) }

    var failure: (phase: Phase, reason: PhaseFailure)?
    for (index, phase) in Phase.ordered.enumerated() {
      if let signal = supervisor.checkForTermination() {
        failure = (phase, .interrupted(signal))
        for remaining in Phase.ordered[index...] { finishPhase(remaining, .skipped, since: nil) }
        break
      }
      let directory = joinPath(configuration.baseDirectory, phase.directoryName)
      log(.debug, "Checking \(directory)")
      if let reason = runPhase(phase, directory: directory, supervisor: supervisor) {
        failure = (phase, reason)
        for remaining in Phase.ordered[(index + 1)...] { finishPhase(remaining, .skipped, since: nil) }
        break
      }
    }

    let outcome: (status: RunStatus, exitStatus: Int32)
    switch failure?.reason {
    case nil:
      outcome = (.success, 0)
    case .interrupted(let signal):
      outcome = interrupted(by: signal)
    case .failed(let reason):
      log(.error, "during \(failure!.phase.rawValue) phase. [\(reason)]")
      let errorDirectory = joinPath(configuration.baseDirectory, Phase.error.directoryName)
      if access(errorDirectory, F_OK) == 0 {
        log(.info, "Calling error handlers.")
        if case .interrupted(let signal) = runPhase(.error, directory: errorDirectory, supervisor: supervisor) {
          outcome = interrupted(by: signal)
          notify { $0.runDidFinish(status: outcome.status, exitStatus: outcome.exitStatus) }
          return outcome
        }
      }
      log(.error, "Aborting...")
      outcome = (timedOut ? .timeout : .failed, 1)
    }
    notify { $0.runDidFinish(status: outcome.status, exitStatus: outcome.exitStatus) }
    return outcome
  }

  private func interrupted(by signal: Int32) -> (status: RunStatus, exitStatus: Int32) {
    log(.error, "Interrupted by \(signalName(signal)): no further script runs.")
    return (.interrupted, 128 + signal)
  }

  // MARK: - Phases

  /// Runs one phase whose directory is `directory`. Returns nil when it
  /// completed or has no directory, else why it failed.
  private func runPhase(_ phase: Phase, directory: String, supervisor: ChildSupervisor) -> PhaseFailure? {
    let started = clock.monotonicNanoseconds()
    let scripts: [Script]
    switch PhaseDirectory.inspect(directory, pattern: configuration.scriptPattern) {
    case .absent:
      log(.debug, "No dir for phase \(phase.rawValue)")
      finishPhase(phase, .absent, since: nil)
      return nil
    case .notADirectory:
      return failPhase(phase, since: started, "\(directory) is not a directory")
    case .unreadable(let error):
      log(.info, "Starting phase \(phase.rawValue)")
      notify { $0.phaseWillStart(phase, directory: directory) }
      return failPhase(phase, since: started, "cannot list \(directory): \(error.reason)")
    case .listed(let found, let passedOver):
      scripts = found
      for entry in passedOver {
        log(.debug, "Not running \(joinPath(directory, entry.name)): \(entry.reason.rawValue)")
      }
    }
    if phase != .error { log(.info, "Starting phase \(phase.rawValue)") }
    notify { $0.phaseWillStart(phase, directory: directory) }

    let environment: ProcessEnvironment
    switch loadEnvironment(for: phase, supervisor: supervisor) {
    case .success(let loaded): environment = loaded
    case .failure(let reason):
      finishPhase(phase, reason.isInterruption ? .skipped : .failed, since: started)
      return reason.phaseFailure
    }
    let environmentArray = CStringArray(environment.entries)
    for script in scripts {
      if let signal = supervisor.checkForTermination() {
        finishPhase(phase, .failed, since: started)
        return .interrupted(signal)
      }
      let outcome = runScript(script, in: phase, environment: environmentArray, supervisor: supervisor)
      if let signal = supervisor.checkForTermination(), outcome.status == .success || outcome.status == .interrupted {
        finishPhase(phase, .failed, since: started)
        return .interrupted(signal)
      }
      if outcome.status != .success {
        finishPhase(phase, .failed, since: started)
        return .failed("\(script.path) \(outcome.termination.summary)")
      }
    }
    finishPhase(phase, .success, since: started)
    if phase != .error { log(.info, "Completed phase \(phase.rawValue)") }
    return nil
  }

  private func failPhase(_ phase: Phase, since started: MonotonicInstant, _ reason: String) -> PhaseFailure {
    finishPhase(phase, .failed, since: started)
    return .failed(reason)
  }

  private func finishPhase(_ phase: Phase, _ status: PhaseStatus, since started: MonotonicInstant?) {
    let duration = started.map { clock.monotonicNanoseconds() - $0 } ?? 0
    notify { $0.phaseDidFinish(phase, status: status, durationNanoseconds: duration) }
  }

  // MARK: - environment.d

  private struct EnvironmentFailure: Error {
    let phaseFailure: PhaseFailure
    var isInterruption: Bool {
      if case .interrupted = phaseFailure { return true }
      return false
    }
  }

  private func loadEnvironment(for phase: Phase, supervisor: ChildSupervisor)
    -> Swift.Result<ProcessEnvironment, EnvironmentFailure>
  {
    let directory = joinPath(configuration.baseDirectory, "environment.d")
    let files = EnvironmentFiles.list(directory)
    for entry in files.passedOver {
      log(.debug, "Not sourcing \(joinPath(directory, entry.name)): \(entry.reason.rawValue)")
    }
    guard !files.paths.isEmpty else { return .success(configuration.environment) }
    for file in files.paths { log(.debug, "Sourcing environment file \(file)") }
    notify { $0.environmentWillLoad(files.paths, for: phase) }
    switch EnvironmentLoader.load(
      files: files.paths, into: configuration.environment, supervisor: supervisor,
      deadline: activeDeadline, onTimeout: timeoutReached)
    {
    case .loaded(let environment):
      return .success(environment)
    case .notStarted(let error):
      return .failure(EnvironmentFailure(phaseFailure: .failed("cannot source environment files: \(error)")))
    case .failed(let file, let exit):
      if let signal = exit.interruptedBy {
        return .failure(EnvironmentFailure(phaseFailure: .interrupted(signal)))
      }
      let name = file ?? directory
      return .failure(
        EnvironmentFailure(phaseFailure: .failed("environment file \(name) \(exit.termination.summary)")))
    }
  }

  // MARK: - Scripts

  private func runScript(
    _ script: Script, in phase: Phase, environment: CStringArray, supervisor: ChildSupervisor
  ) -> ScriptOutcome {
    log(.info, "Running \(script.path)")
    let startedAt = clock.wallMicroseconds()
    let started = clock.monotonicNanoseconds()
    notify { $0.scriptWillStart(script, in: phase, startedAt: startedAt) }

    func finish(_ status: ScriptOutcome.Status, _ termination: Termination, _ error: SystemError? = nil)
      -> ScriptOutcome
    {
      let outcome = ScriptOutcome(
        status: status, termination: termination, spawnError: error, startedAt: startedAt,
        durationNanoseconds: clock.monotonicNanoseconds() - started)
      notify { $0.scriptDidFinish(script, in: phase, outcome: outcome) }
      if status == .success { log(.info, "\(script.name) completed") }
      return outcome
    }

    let stdout: OutputPipe
    let stderr: OutputPipe
    let pid: pid_t
    do {
      stdout = try OutputPipe()
      stderr = try OutputPipe()
    } catch {
      log(.error, "cannot run \(script.path): \(error)")
      return finish(.failed, .exited(126), error)
    }
    do {
      defer {
        close(stdout.writeEnd)
        close(stderr.writeEnd)
      }
      pid = try spawnScript(script, stdout: stdout, stderr: stderr, environment: environment)
    } catch {
      close(stdout.readEnd)
      close(stderr.readEnd)
      // What bash, which runs scripts under dib-run-parts, says and returns.
      log(.error, "\(script.path): cannot execute: \(error.reason)")
      return finish(.failed, .exited(error.code == ENOENT ? 127 : 126), error)
    }

    let exit = supervisor.wait(
      for: pid,
      streams: [
        outputStream(stdout.readEnd, of: script, in: phase, stream: .stdout, passThrough: STDOUT_FILENO),
        outputStream(stderr.readEnd, of: script, in: phase, stream: .stderr, passThrough: STDERR_FILENO),
      ],
      deadline: activeDeadline,
      onTimeout: timeoutReached
    )
    for stalled in supervisor.stalledDestinations.subtracting(reportedStalls) {
      reportedStalls.insert(stalled)
      let name = stalled == STDOUT_FILENO ? "stdout" : "stderr"
      log(
        .warning,
        "our \(name) stopped taking output; what scripts still write there is dropped (and kept in the history)")
    }
    let status: ScriptOutcome.Status
    if exit.termination.isSuccess {
      status = .success
    } else if exit.timedOut {
      status = .timeout
    } else if exit.interruptedBy != nil {
      status = .interrupted
    } else if case .signaled = exit.termination {
      status = .killed
    } else {
      status = .failed
    }
    let outcome = finish(status, exit.termination)
    if phase == .error && status != .success && status != .interrupted {
      // A failing phase is named in its "during … phase" line; a failing
      // handler has no such line.
      log(.warning, "error handler \(script.path) \(exit.termination.summary)")
    }
    return outcome
  }

  /// Starts a script; a file the kernel will not execute for want of a
  /// `#!` line is run by bash, as bash itself does for the commands it runs.
  private func spawnScript(
    _ script: Script, stdout: OutputPipe, stderr: OutputPipe, environment: CStringArray
  ) throws(SystemError) -> pid_t {
    let redirections: [ProcessSpawner.Redirection] = [
      .init(source: stdout.writeEnd, target: STDOUT_FILENO),
      .init(source: stderr.writeEnd, target: STDERR_FILENO),
    ]
    do {
      return try ProcessSpawner.spawn(
        path: script.path, arguments: CStringArray([script.path]), environment: environment,
        redirections: redirections)
    } catch  where error.code == ENOEXEC {
      return try ProcessSpawner.spawn(
        path: EnvironmentLoader.bash, arguments: CStringArray([EnvironmentLoader.bash, script.path]),
        environment: environment, redirections: redirections)
    }
  }

  private func outputStream(
    _ descriptor: Int32, of script: Script, in phase: Phase, stream: ScriptStream, passThrough: Int32
  ) -> ChildStream {
    let observers = self.observers
    return ChildStream(
      descriptor: descriptor, passThrough: passThrough,
      deliver: { bytes in
        for observer in observers { observer.script(script, in: phase, wrote: bytes, to: stream) }
      })
  }

  // MARK: - Timeout

  /// The deadline while it has not fired yet: after a timeout, error.d runs
  /// without one, as under the reference (whose one-shot alarm has gone off).
  private var activeDeadline: MonotonicInstant? { timedOut ? nil : deadline }

  private func timeoutReached() {
    timedOut = true
    log(.error, "Timeout reached: \(configuration.timeoutSeconds ?? 0)s. Sending SIGKILL to all children")
  }

  // MARK: - Observers

  private func notify(_ body: (RunObserver) -> Void) {
    for observer in observers { body(observer) }
  }

  private func log(_ level: LogLevel, _ message: String) {
    notify { $0.log(level, message) }
  }
}
