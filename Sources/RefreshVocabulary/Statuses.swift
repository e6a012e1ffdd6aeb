/// How a status reads to a person: the views colour by it, and "failed"
/// means the same thing everywhere.
public enum StatusTone: Sendable {
  /// It worked.
  case good
  /// It did not: a failure, a timeout, a kill.
  case bad
  /// It was cut short from outside: interrupted, abandoned.
  case cutShort
  /// It is still going.
  case inProgress
  /// Nothing ran: skipped, absent.
  case neutral
}

/// A status word of the history: its text is its raw value.
public protocol StatusWord: RawRepresentable, CaseIterable, Sendable, Hashable, Codable where RawValue == String {
  /// How the status reads.
  var tone: StatusTone { get }
}

/// How a whole run ended (or that it is still running).
public enum RunStatus: String, StatusWord {
  case running, success, failed, timeout, interrupted, abandoned

  /// The statuses that make "a failed run": `last-failure`, the baseline of
  /// `diff` and retention's kept failure all use this one definition.
  public static let failures: [RunStatus] = [.failed, .timeout, .interrupted, .abandoned]

  /// Whether the run counts as failed.
  public var isFailure: Bool { Self.failures.contains(self) }

  public var tone: StatusTone {
    switch self {
    case .success: .good
    case .failed, .timeout: .bad
    case .interrupted, .abandoned: .cutShort
    case .running: .inProgress
    }
  }
}

/// How a phase ended.
public enum PhaseStatus: String, StatusWord {
  case running, success, failed
  /// Not reached: an earlier phase failed or the run was interrupted.
  case skipped
  /// The phase has no directory.
  case absent
  /// The run died while the phase ran.
  case abandoned

  public var tone: StatusTone {
    switch self {
    case .success: .good
    case .failed: .bad
    case .abandoned: .cutShort
    case .running: .inProgress
    case .skipped, .absent: .neutral
    }
  }
}

/// How one script ended.
public enum ScriptStatus: String, StatusWord {
  case running, success, failed
  /// Killed by a signal we did not send.
  case killed
  /// Killed by us when the run's `--timeout` elapsed.
  case timeout
  /// Ended after we passed on a termination signal.
  case interrupted
  /// The run died while the script ran.
  case abandoned

  /// Whether the script ended and did not succeed.
  public var isFailure: Bool { self != .success && self != .running }

  public var tone: StatusTone {
    switch self {
    case .success: .good
    case .failed, .killed, .timeout: .bad
    case .interrupted, .abandoned: .cutShort
    case .running: .inProgress
    }
  }
}

/// How a watched file changed.
public enum FileChangeKind: String, Sendable, CaseIterable, Codable, Hashable {
  case created, modified, deleted, renamed, metadata
}

/// When a file change was found: the state recorded when watching began
/// (`baseline`), changed since the last refresh outside any (`before_run`),
/// or during the run.
public enum FileChangeTime: String, Sendable, CaseIterable, Codable, Hashable {
  case baseline
  case beforeRun = "before_run"
  case duringRun = "during_run"
}

/// How a run watched its files.
public enum WatchMethod: String, Sendable, CaseIterable, Codable, Hashable {
  /// The kernel's fanotify: every change, with the process that made it.
  case fanotify
  /// A stat scan at script boundaries (no fanotify here, or forced).
  case scan
}
