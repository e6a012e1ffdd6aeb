import RefreshVocabulary
import SystemInterface

/// What a user or the node can cause to go wrong before or around a refresh.
public enum RunnerError: Error, Equatable, Sendable {
  /// `RUN_PARTS_REGEX` (or another pattern) does not compile.
  case invalidPattern(String, reason: String)
  /// The base directory exists but cannot be listed or is not a directory.
  case unusableBaseDirectory(String, reason: String)
  /// The lock file could not be opened.
  case lockFileUnavailable(String, reason: String)
  /// Another process holds the lock. `errno` is what flock(2) said.
  case locked(path: String, errno: Int32, holder: Int32?)
}

extension RunnerError {
  /// How it ends a refresh: flock's errno when another refresh holds the
  /// lock (11, as the reference), else a failure.
  public var exitStatus: ExitStatus {
    if case .locked(_, let code, _) = self { return .lockHeld(errno: code) }
    return .failure
  }
}

extension RunnerError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .invalidPattern(let pattern, let reason):
      return "invalid RUN_PARTS_REGEX '\(pattern)': \(reason)"
    case .unusableBaseDirectory(let path, let reason):
      return "base directory \(path) is unusable: \(reason)"
    case .lockFileUnavailable(let path, let reason):
      return "cannot open lock file \(path): \(reason)"
    case .locked(let path, let code, let holder):
      let reason = SystemError(call: "flock", code: code).reason
      var text = "Could not lock \(path). [Errno \(code)] \(reason)"
      if let holder { text += " (held by pid \(holder))" }
      return text
    }
  }
}
