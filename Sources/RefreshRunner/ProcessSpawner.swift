import CSystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// Starts child processes clean: default dispositions for every signal, an
/// empty signal mask, and no descriptor of ours but the ones named.
///
/// We ignore SIGPIPE (os-refresh-config's ProcessHygiene) and block the signals we watch; the
/// child undoes both before execve, so `yes | head -1` in a script ends at
/// once, as under the reference. (glibc 2.36's posix_spawn would leave its
/// internal signals 32 and 33 ignored in the child, hence our own vfork.)
enum ProcessSpawner {
  /// A descriptor the child gets at `target` (dup2 of `source`).
  struct Redirection {
    let source: Int32
    let target: Int32
  }

  /// Spawns `path` with the given argv and envp.
  /// - Returns: the child's pid.
  /// - Throws: ``SystemError`` naming `execve` and the path when it could
  ///   not be started (ENOENT, EACCES, ENOEXEC…).
  static func spawn(
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

/// A pipe whose read end is ours (non-blocking) and whose write end goes to a child.
struct OutputPipe {
  /// The capacity asked for (F_SETPIPE_SZ; capped by /proc/sys/fs/pipe-max-size).
  static let capacity: Int32 = 1 << 20
  /// F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7), which Glibc's module does not export.
  static let setPipeSize: Int32 = 1024 + 7
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
    // A larger pipe (1 MiB instead of 64 KiB) lets a script that writes a
    // lot run ahead of us: fewer context switches and reads per byte.
    _ = fcntl(readEnd, OutputPipe.setPipeSize, OutputPipe.capacity)
  }
}
