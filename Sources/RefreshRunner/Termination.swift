import SystemInterface

/// How a child process ended.
public enum Termination: Equatable, Sendable {
  /// It called exit with this status.
  case exited(Int32)
  /// A signal killed it.
  case signaled(Int32)

  /// Decodes a wait(2) status.
  init(waitStatus status: Int32) {
    let signal = status & 0x7f
    if signal == 0 {
      self = .exited((status >> 8) & 0xff)
    } else {
      self = .signaled(signal)
    }
  }

  /// Whether it exited with status 0.
  public var isSuccess: Bool { self == .exited(0) }

  /// As the history records it: the exit status, or the signal.
  public var recorded: (exitCode: Int64?, signal: Int64?) {
    switch self {
    case .exited(let status): (Int64(status), nil)
    case .signaled(let number): (nil, Int64(number))
    }
  }

  /// "exited with status 3", "was killed by signal 9 (SIGKILL)".
  public var summary: String {
    switch self {
    case .exited(let status): return "exited with status \(status)"
    case .signaled(let signal): return "was killed by signal \(signal) (\(signalName(signal)))"
    }
  }
}
