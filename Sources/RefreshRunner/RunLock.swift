import SystemInterface

/// The lock that keeps two refreshes from running at once: an exclusive
/// flock(2) on a file that says who holds it, as the reference keeps it.
public final class RunLock {
  /// The reference's default lock file.
  public static let defaultPath = "/var/run/os-refresh-config.lock"

  private let file: FileDescriptor
  /// The lock file's path.
  public let path: String

  private init(file: FileDescriptor, path: String) {
    self.file = file
    self.path = path
  }

  /// Opens `path` for append (creating it) and takes the lock without waiting,
  /// then writes `Locked by pid==PID at TIME`.
  /// - Throws: ``RunnerError/locked(path:errno:holder:)`` when another process
  ///   holds it, with the holder's pid when the file names it;
  ///   ``RunnerError/lockFileUnavailable(_:reason:)`` when it cannot be opened.
  public static func acquire(path: String, clock: RunClock = RunClock()) throws(RunnerError) -> RunLock {
    let file: FileDescriptor
    do {
      file = try openLockFile(path)
    } catch {
      throw .lockFileUnavailable(path, reason: error.reason)
    }
    do {
      try systemCall("flock") { flock(file.rawValue, LOCK_EX | LOCK_NB) }
    } catch {
      throw .locked(path: path, errno: error.code, holder: holderPid(file))
    }
    ftruncate(file.rawValue, 0)
    let line = "Locked by pid==\(getpid()) at \(Timestamp.utcISO8601(clock.wallMicroseconds()))\n"
    writeFully(file.rawValue, line)
    return RunLock(file: file, path: path)
  }

  /// Opens the lock file: never through a symlink another user planted,
  /// never hanging on a FIFO, created 0600.
  private static func openLockFile(_ path: String) throws(SystemError) -> FileDescriptor {
    let file = try FileDescriptor.open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode: 0o600)
    guard try file.status().st_mode & S_IFMT == S_IFREG else {
      throw SystemError(call: "open", code: EINVAL, subject: path, explanation: "not a regular file")
    }
    return file
  }

  /// Empties the file and releases the lock.
  ///
  /// Unlocked explicitly before the close: a copy of the descriptor that a
  /// child forked elsewhere in the process holds until its exec would keep
  /// the lock ("the lock is released either by an explicit LOCK_UN operation
  /// on any of these duplicate file descriptors, or when all such file
  /// descriptors have been closed", flock(2)).
  public func release() {
    guard file.isOpen else { return }
    ftruncate(file.rawValue, 0)
    flock(file.rawValue, LOCK_UN)
    file.close()
  }

  deinit { release() }

  /// The pid in `Locked by pid==PID …`, when the file holds one.
  static func holderPid(_ file: FileDescriptor) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 256)
    guard
      let count = try? buffer.withUnsafeMutableBytes({ bytes throws(SystemError) in try file.read(into: bytes, at: 0) }
      ),
      count > 0
    else { return nil }
    let text = String(decoding: buffer[0..<count], as: UTF8.self)
    guard let marker = text.firstRange(of: "pid==") else { return nil }
    return Int32(text[marker.upperBound...].prefix { $0.isNumber })
  }
}
