/// How the command ends, and the one place each outcome gets its number:
/// 0 success; 1 a failed run or any error; 2 a usage error (as Python's
/// argparse gives); flock's errno when the lock cannot be taken (11,
/// EWOULDBLOCK, when another refresh holds it, as the reference exits);
/// 128+N a run stopped by signal N; 3 when `status` finds no run recorded
/// (as `systemctl status` says a unit is not active), 4 when it cannot read
/// the history (as it says of a unit it cannot find).
public enum ExitStatus: Equatable, Sendable {
  /// Every phase completed, or the command answered.
  case success
  /// A phase failed or timed out, or the command could not do what was asked.
  case failure
  /// The command line is not one the command takes.
  case usage
  /// flock(2) refused the run lock with `errno` (EWOULDBLOCK: another refresh holds it).
  case lockHeld(errno: Int32)
  /// The run was stopped by the signal.
  case signal(Int32)
  /// `status`: no refresh runs and none is recorded.
  case neverRan
  /// `status`: the history cannot be read, so how the last run ended is not known.
  case historyUnreadable

  /// The process exit status.
  public var code: Int32 {
    switch self {
    case .success: 0
    case .failure: 1
    case .usage: 2
    case .lockHeld(let errno): errno
    case .signal(let number): 128 + number
    case .neverRan: 3
    case .historyUnreadable: 4
    }
  }
}

/// The command ends with `exitStatus`, having said all it had to (a refresh
/// that failed, whose messages are logged; `status` answering "failed" or
/// "never ran"): the one error that carries an exit status to `main`.
public struct CommandEnded: Error, Sendable, Equatable {
  /// The status to exit with.
  public let exitStatus: ExitStatus

  /// Ends the command with `exitStatus`.
  public init(exitStatus: ExitStatus) { self.exitStatus = exitStatus }
}
