#if canImport(Glibc)
  import Glibc
#endif

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

  /// "exited with status 3", "was killed by signal 9 (SIGKILL)".
  public var summary: String {
    switch self {
    case .exited(let status): return "exited with status \(status)"
    case .signaled(let signal): return "was killed by signal \(signal) (\(signalName(signal)))"
    }
  }
}

/// The conventional name of a signal, e.g. `SIGTERM`.
public func signalName(_ signal: Int32) -> String {
  let names: [Int32: String] = [
    SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
    SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
    SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
    SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGCHLD: "SIGCHLD",
    SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
    SIGTTOU: "SIGTTOU", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
  ]
  return names[signal] ?? "SIG\(signal)"
}
