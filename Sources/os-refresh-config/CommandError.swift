import RefreshVocabulary

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
