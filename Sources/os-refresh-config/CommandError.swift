import RefreshVocabulary

/// What a user can ask of the command that it cannot answer.
enum CommandError: Error, CustomStringConvertible {
  /// No run has the script.
  case noSuchScript(String)
  /// The run has not ended: it has no timeline yet.
  case stillRunning(Int64)
  /// `--key FILE` holds no seal verification key.
  case notASealKey(String)
  /// The initial seal key could not be written to standard output.
  case sealKeyNotPrinted

  var description: String {
    switch self {
    case .noSuchScript(let script): "no script \(script) in the history"
    case .stillRunning(let run): "run \(run) is still running; plot it once it has ended"
    case .notASealKey(let path):
      "--key \(path): not a seal verification key (64 hex digits, as `history seal-key` printed them)"
    case .sealKeyNotPrinted: "the initial seal key could not be printed; it stays on this node"
    }
  }
}
