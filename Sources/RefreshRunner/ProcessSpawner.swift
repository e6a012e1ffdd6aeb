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

  /// Spawns `path` with the given argv and envp and, when given, the state
  /// the environment.d shell left (umask, directory, limits).
  /// - Returns: the child's pid.
  /// - Throws: ``SystemError`` naming `execve` and the path when it could
  ///   not be started (ENOENT, EACCES, ENOEXEC…), or `chdir` and the
  ///   directory when the state's directory is gone.
  public static func spawn(
    path: String,
    arguments: CStringArray,
    environment: CStringArray,
    redirections: [Redirection],
    state: ShellState? = nil
  ) throws(SystemError) -> pid_t {
    let sources = redirections.map(\.source)
    let targets = redirections.map(\.target)
    let closeFrom = max(3, (targets.max() ?? 2) + 1)
    var failure: Int32 = 0
    var step: Int32 = 0
    let pid: pid_t
    if let state, !state.isEmpty {
      let resources = state.limits.map(\.resource)
      let soft = state.limits.map(\.soft)
      let hard = state.limits.map(\.hard)
      pid = withOptionalCString(state.directory) { directory in
        resources.withUnsafeBufferPointer { resources in
          soft.withUnsafeBufferPointer { soft in
            hard.withUnsafeBufferPointer { hard in
              var childState = orc_child_state(
                directory: directory, umask: state.umask.map { Int32($0) } ?? -1,
                limit_count: Int32(resources.count), limit_resources: resources.baseAddress,
                limit_soft: soft.baseAddress, limit_hard: hard.baseAddress,
                ignored_signals: state.ignoredSignals.reduce(0) { $0 | (1 << UInt64($1 - 1)) })
              return orc_spawn(
                path, arguments.pointers, environment.pointers, sources, targets, Int32(redirections.count),
                closeFrom, &childState, &failure, &step)
            }
          }
        }
      }
    } else {
      pid = orc_spawn(
        path, arguments.pointers, environment.pointers, sources, targets, Int32(redirections.count),
        closeFrom, nil, &failure, &step)
    }
    if pid < 0 {
      if step == 1 { throw SystemError(call: "chdir", code: failure, subject: state?.directory ?? "") }
      throw SystemError(call: "execve", code: failure, subject: path)
    }
    return pid
  }

  private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
  }
}
