import ArgumentParser

/// What a user can ask of the command that it cannot answer.
enum CommandError: Error, CustomStringConvertible {
  /// No run has the script.
  case noSuchScript(String)
  /// The run has not ended: it has no timeline yet.
  case stillRunning(Int64)

  var description: String {
    switch self {
    case .noSuchScript(let script): "no script \(script) in the history"
    case .stillRunning(let run): "run \(run) is still running; plot it once it has ended"
    }
  }
}

/// The one place outcomes become exit statuses: 0 success; 1 a failed run or
/// any error; 2 a usage error (as Python's argparse gives); 11 the lock held;
/// 128+N a run stopped by signal N.
enum ExitStatus {
  /// The usage error status.
  static let usage: Int32 = 2

  /// The status for an error a command threw.
  static func of(_ error: Error) -> Int32 {
    if let exit = error as? ExitCode { return exit.rawValue }
    return 1
  }
}
