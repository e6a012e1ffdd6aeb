import RefreshVocabulary
import SystemInterface

/// How loud a message is; the levels and names of Python's logging module.
public enum LogLevel: Int, Comparable, Sendable {
  case debug = 10
  case info = 20
  case warning = 30
  case error = 40
  case critical = 50

  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

  /// The name printed in log lines, e.g. `WARNING`.
  public var name: String {
    switch self {
    case .debug: "DEBUG"
    case .info: "INFO"
    case .warning: "WARNING"
    case .error: "ERROR"
    case .critical: "CRITICAL"
    }
  }
}

/// The facts of a run known when it starts.
public struct RunDescription: Sendable {
  /// The base directory holding the phase directories.
  public let baseDirectory: String
  /// Our command line.
  public let arguments: [String]
  /// The environment we were started with.
  public let environment: ProcessEnvironment
  /// When the run started, UTC microseconds.
  public let startedAt: Int64
  /// When the run's timeout fires (RunClock's monotonic clock), if it has
  /// one: work an observer does before a script (hashing a large one) stops
  /// there.
  public var deadline: MonotonicInstant?
  /// The run's trace and root span.
  public var trace: RunTrace
  /// Raised once the run is asked to stop (a termination signal, read or
  /// pending): an observer's long work (redacting a large output, hashing a
  /// large script) checks it between bounded slices and gives up, so the
  /// signal is obeyed within the grace period.
  public var termination: TerminationNotice
}

/// A span as it starts: its id, and when, UTC microseconds.
public struct SpanStart: Sendable, Hashable {
  /// The span's id, made now.
  public let id: SpanID
  /// The start, UTC microseconds.
  public let startedAt: Int64

  /// A span starting at `startedAt`.
  public init(id: SpanID, startedAt: Int64) {
    self.id = id
    self.startedAt = startedAt
  }
}

/// How one script ended.
public struct ScriptOutcome: Sendable {
  /// Why it ended.
  public let status: ScriptStatus
  /// Its exit status or signal; for a script that could not be started, the
  /// status a shell gives (126, or 127 when the file is gone).
  public let termination: Termination
  /// Why it could not be started, when it could not.
  public let spawnError: SystemError?
  /// Start, UTC microseconds.
  public let startedAt: Int64
  /// Duration on the monotonic clock, nanoseconds.
  public let durationNanoseconds: Int64
  /// How its stdout and stderr were connected: one channel for both (all
  /// its output was delivered as stdout, in the order written), terminals.
  public let channels: OutputChannels

  /// What a supervised child's end means for its script.
  static func status(of exit: ChildExit) -> ScriptStatus {
    // The deadline fired while it ran: a timeout, even if it exited 0 as
    // the kill came, so the run cannot go on as if nothing had happened.
    if exit.timedOut { return .timeout }
    if exit.termination.isSuccess { return .success }
    if exit.interruptedBy != nil { return .interrupted }
    if case .signaled = exit.termination { return .killed }
    return .failed
  }
}

/// Watches a refresh as it happens. The runner reports every event here and
/// knows nothing of who listens: the console log, the history recorder, tests.
public protocol RunObserver: AnyObject {
  /// The run is about to start its first phase.
  func runWillStart(_ run: RunDescription)
  /// A phase starts, as `span`: its directory exists and is about to be used.
  func phaseWillStart(_ phase: Phase, directory: String, span: SpanStart)
  /// environment.d files are about to be sourced for `phase`.
  func environmentWillLoad(_ files: [String], for phase: Phase)
  /// The shell sourcing environment.d for `phase` wrote `bytes` (valid only
  /// during the call) to `stream` (stdout carries both when combined).
  func environment(for phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream)
  /// environment.d was sourced for `phase`: scripts of the phase start
  /// with `environment` (the variables scripts see, as they see them).
  func environmentDidLoad(_ environment: ProcessEnvironment, for phase: Phase)
  /// Sourcing environment.d for `phase` failed: in `file` (nil when the
  /// shell failed before the first one), ending with `termination`, or, with
  /// `error`, the shell could not be started.
  func environmentDidFail(
    for phase: Phase, file: String?, termination: Termination?, error: SystemError?, channels: OutputChannels)
  /// A script is about to be started, as `span` (whose id it gets in `TRACEPARENT`).
  func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart)
  /// A script was started as process `pid` (not called when it could not be).
  func scriptDidStart(_ script: Script, in phase: Phase, pid: Int32)
  /// A script wrote `bytes` (valid only during the call) to `stream`.
  func script(_ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream)
  /// A script ended.
  func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome)
  /// A phase ended, or was found absent or skipped.
  func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64)
  /// The run ended with `status` after `durationNanoseconds` (monotonic
  /// clock) and will exit with `exitStatus`.
  func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64)
  /// A log message from the runner.
  func log(_ level: LogLevel, _ message: String)
  /// Whether the run may go on; asked after the run starts and after each
  /// script is announced, before it is started. An observer that must see
  /// everything (a mandatory audit) says no once it cannot, and the run
  /// stops at once: no further script, no error handlers, exit 1.
  func mayContinue() -> Bool
  /// Work the observer does while the runner waits for a script (nil:
  /// none); asked once, after ``runWillStart(_:)``.
  func workWhileWaiting() -> WaitingWork?
}

/// Work an observer does on the runner's thread while it waits for a
/// script: ``perform`` is called whenever ``descriptor`` is readable (it
/// must empty it), between two copies of the scripts' output, so it must
/// return soon (a bounded slice of work).
public struct WaitingWork {
  /// What tells the runner there is work: a pipe's read end, nonblocking.
  public let descriptor: Int32
  /// The work.
  public let perform: () -> Void

  /// `perform` whenever `descriptor` is readable.
  public init(descriptor: Int32, perform: @escaping () -> Void) {
    self.descriptor = descriptor
    self.perform = perform
  }
}

/// Observers that do not care about some events leave them out.
extension RunObserver {
  public func runWillStart(_ run: RunDescription) {}
  public func phaseWillStart(_ phase: Phase, directory: String, span: SpanStart) {}
  public func environmentWillLoad(_ files: [String], for phase: Phase) {}
  public func environmentDidLoad(_ environment: ProcessEnvironment, for phase: Phase) {}
  public func environment(for phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {}
  public func environmentDidFail(
    for phase: Phase, file: String?, termination: Termination?, error: SystemError?, channels: OutputChannels
  ) {}
  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {}
  public func scriptDidStart(_ script: Script, in phase: Phase, pid: Int32) {}
  public func script(
    _ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream
  ) {}
  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {}
  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {}
  public func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64) {}
  public func log(_ level: LogLevel, _ message: String) {}
  public func mayContinue() -> Bool { true }
  public func workWhileWaiting() -> WaitingWork? { nil }
}
