/// The conventional name of a signal, e.g. `SIGTERM`.
public func signalName(_ signal: Int32) -> String {
  signalNames[signal] ?? "SIG\(signal)"
}

/// The number of the signal named `name` (`SIGTERM`, `TERM`), or nil.
public func signalNumber(_ name: String) -> Int32? {
  let full = name.hasPrefix("SIG") ? name : "SIG" + name
  return signalNames.first { $0.value == full }?.key
}

private let signalNames: [Int32: String] = [
  SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
  SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
  SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
  SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGCHLD: "SIGCHLD",
  SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
  SIGTTOU: "SIGTTOU", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
  SIGWINCH: "SIGWINCH", SIGURG: "SIGURG", SIGPROF: "SIGPROF", SIGVTALRM: "SIGVTALRM", SIGIO: "SIGIO",
  SIGPWR: "SIGPWR",
]
