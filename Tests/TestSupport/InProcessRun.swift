import Foundation
import RefreshRunner
import RefreshVocabulary
import SystemInterface

/// A refresh run inside the test process, observed through ``EventLog``.
///
/// It never adopts orphans (the test process has children of its own that
/// are not the runner's) and has a deadline of its own, so a runner that
/// hangs fails the test instead of holding it up.
public struct InProcessRun {
  /// How the run ended.
  public let outcome: RefreshRun.Outcome
  /// What the observer saw.
  public let log: EventLog
  /// Wall seconds the run took.
  public let seconds: Double

  /// Runs the phases of `base` with `log` (a new one by default) observing.
  /// - Parameters:
  ///   - timeout: the run's `--timeout`, which bounds the test too (at most 60 s).
  ///   - passThrough: where scripts' output is copied (by default /dev/null).
  public static func run(
    base: TemporaryDirectory, timeout: Int = 60, killAfter: Int = 10, log: EventLog = EventLog(),
    passThrough: (stdout: Int32, stderr: Int32)? = nil, environment: [String: String] = [:],
    extraObservers: [RunObserver] = [], timeoutNanoseconds: Int64? = nil
  ) throws -> InProcessRun {
    let null = try FileDescriptor.open("/dev/null", O_WRONLY)
    var entries = ["PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"]
    entries += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    var configuration = RefreshConfiguration(
      baseDirectory: base.path, timeoutSeconds: min(timeout, 60), killAfterSeconds: killAfter,
      scriptPattern: try RunPartsPattern(RunPartsPattern.defaultScriptPattern),
      environment: ProcessEnvironment(entries: entries),
      passThrough: passThrough ?? (null.rawValue, null.rawValue), adoptsOrphans: false)
    if let timeoutNanoseconds { configuration.timeoutNanoseconds = timeoutNanoseconds }
    let started = Date()
    let outcome = try RefreshRun(configuration: configuration, observers: [log] + extraObservers).run()
    return InProcessRun(outcome: outcome, log: log, seconds: Date().timeIntervalSince(started))
  }
}
