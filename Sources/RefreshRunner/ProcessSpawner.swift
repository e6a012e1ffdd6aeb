import CSystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// Starts child processes with posix_spawn(3), clean: default dispositions
/// for every signal, an empty signal mask, and no descriptor of ours but the
/// ones named.
///
/// The Swift runtime ignores SIGPIPE and we block the signals we watch;
/// POSIX_SPAWN_SETSIGDEF and POSIX_SPAWN_SETSIGMASK undo both in the child,
/// so `yes | head -1` in a script ends at once, as under the reference.
enum ProcessSpawner {
  /// A descriptor the child gets at `target` (dup2 of `source`).
  struct Redirection {
    let source: Int32
    let target: Int32
  }

  /// Spawns `path` with the given argv and envp.
  /// - Returns: the child's pid.
  /// - Throws: ``SystemError`` naming `posix_spawn` and the path when it could
  ///   not be started (glibc reports the child's exec error here).
  static func spawn(
    path: String,
    arguments: CStringArray,
    environment: CStringArray,
    redirections: [Redirection]
  ) throws(SystemError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for redirection in redirections {
      posix_spawn_file_actions_adddup2(&actions, redirection.source, redirection.target)
    }
    let highest = redirections.map(\.target).max() ?? 2
    orc_spawn_file_actions_addclosefrom(&actions, max(3, highest + 1))

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    var pid: pid_t = 0
    try errnoReturningCall("posix_spawn", subject: path) {
      posix_spawn(&pid, path, &actions, &attributes, arguments.pointers, environment.pointers)
    }
    return pid
  }
}

/// A pipe whose read end is ours (non-blocking) and whose write end goes to a child.
struct OutputPipe {
  let readEnd: Int32
  let writeEnd: Int32

  /// Makes a close-on-exec pipe; only the read end is made non-blocking, so the
  /// child writes to an ordinary blocking pipe.
  init() throws(SystemError) {
    var ends: [Int32] = [-1, -1]
    try systemCall("pipe2") { orc_pipe_cloexec(&ends) }
    readEnd = ends[0]
    writeEnd = ends[1]
    let flags = fcntl(readEnd, F_GETFL)
    _ = fcntl(readEnd, F_SETFL, flags | O_NONBLOCK)
  }
}
