/// What a user or the node can cause to go wrong with the history.
public enum StoreError: Error, Equatable, Sendable {
  /// The database was written by a newer binary; it is left untouched.
  case newerSchema(path: String, found: Int, known: Int, writtenBy: String? = nil)
  /// There is no database at the path (nothing recorded yet).
  case noDatabase(path: String)
  /// The database's directory cannot be made or used.
  case unusableDirectory(path: String, reason: String)
  /// A path another user could have planted, or that keeps nothing: refused.
  case unsafePath(path: String, reason: String)
  /// The database exists but cannot be read.
  case unreadable(path: String, reason: String)
  /// A run reference that is neither an id nor a name we know.
  case invalidRunReference(String)
  /// No run matches the reference.
  case unknownRun(String)
  /// The run has no such script.
  case unknownScript(run: Int64, script: String)
  /// A script reference that is not `PHASE/NAME`.
  case invalidScriptReference(String)
  /// The key runs are sealed under cannot be used; it is left as it is.
  case sealKey(path: String, reason: String)
}

extension StoreError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .newerSchema(let path, let found, let known, let writtenBy):
      let release = writtenBy.map { " (its newest run recorded by os-refresh-config \($0))" } ?? ""
      return
        "\(path) has history schema version \(found)\(release), newer than this binary knows (\(known)); "
        + "it was left untouched"
    case .noDatabase(let path):
      return "no history database at \(path) (no refresh has been recorded there yet)"
    case .unusableDirectory(let path, let reason):
      return "cannot use the history directory \(path): \(reason)"
    case .unsafePath(let path, let reason):
      return "refusing the history at \(path): \(reason)"
    case .unreadable(let path, let reason):
      return "cannot read the history at \(path): \(reason)"
    case .invalidRunReference(let text):
      return "invalid run '\(text)': expected a run id, latest, last-success or last-failure"
    case .unknownRun(let text):
      return "no run '\(text)' in the history"
    case .unknownScript(let run, let script):
      return "run \(run) has no script \(script)"
    case .invalidScriptReference(let text):
      return "invalid script '\(text)': expected PHASE/NAME, e.g. configure/20-neutron"
    case .sealKey(let path, let reason):
      return "the seal key \(path) cannot be used: \(reason); it was left as it is and no run was sealed"
    }
  }
}
