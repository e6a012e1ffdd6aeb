import CSystemShims
import SystemInterface

/// Starts child processes clean: default dispositions for every signal, an
/// empty signal mask, and no descriptor of ours but the ones named.
///
/// We ignore SIGPIPE (os-refresh-config's ProcessHygiene) and block the signals we watch; the
/// child undoes both before execve, so `yes | head -1` in a script ends at
/// once, as under the reference. (glibc 2.36's posix_spawn would leave its
/// internal signals 32 and 33 ignored in the child, hence our own vfork.)
public enum ProcessSpawner {
  /// A descriptor the child gets at `target` (dup2 of `source`).
  public struct Redirection {
    let source: Int32
    let target: Int32

    /// The child gets `source` as its descriptor `target`.
    public init(source: Int32, target: Int32) {
      self.source = source
      self.target = target
    }
  }

  /// Spawns `path` with the given argv and envp.
  /// - Returns: the child's pid.
  /// - Throws: ``SystemError`` naming `execve` and the path when it could
  ///   not be started (ENOENT, EACCES, ENOEXEC…).
  public static func spawn(
    path: String,
    arguments: CStringArray,
    environment: CStringArray,
    redirections: [Redirection]
  ) throws(SystemError) -> pid_t {
    let sources = redirections.map(\.source)
    let targets = redirections.map(\.target)
    let closeFrom = max(3, (targets.max() ?? 2) + 1)
    var failure: Int32 = 0
    let pid = orc_spawn(
      path, arguments.pointers, environment.pointers, sources, targets, Int32(redirections.count),
      closeFrom, &failure)
    if pid < 0 { throw SystemError(call: "execve", code: failure, subject: path) }
    return pid
  }
}
