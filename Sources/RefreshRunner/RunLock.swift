#if canImport(Glibc)
  import Glibc
#endif

/// The lock that keeps two refreshes from running at once: an exclusive
/// flock(2) on a file that says who holds it, as the reference keeps it.
public final class RunLock {
  /// The reference's default lock file.
  public static let defaultPath = "/var/run/os-refresh-config.lock"

  private var descriptor: Int32
  /// The lock file's path.
  public let path: String

  private init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  /// Opens `path` for append (creating it) and takes the lock without waiting,
  /// then writes `Locked by pid==PID at TIME`.
  /// - Throws: ``RunnerError/locked(path:errno:holder:)`` when another process
  ///   holds it, with the holder's pid when the file names it;
  ///   ``RunnerError/lockFileUnavailable(_:reason:)`` when it cannot be opened.
  public static func acquire(path: String, clock: RunClock = RunClock()) throws(RunnerError) -> RunLock {
    let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else {
      throw .lockFileUnavailable(path, reason: SystemError(call: "open", code: errno).reason)
    }
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      if code == EINTR { continue }
      let holder = holderPid(descriptor)
      close(descriptor)
      throw .locked(path: path, errno: code, holder: holder)
    }
    ftruncate(descriptor, 0)
    let line = "Locked by pid==\(getpid()) at \(Timestamp.utcISO8601(clock.wallMicroseconds()))\n"
    line.utf8CString.withUnsafeBytes { bytes in
      _ = writeFully(descriptor, UnsafeRawBufferPointer(rebasing: bytes.dropLast()))
    }
    return RunLock(descriptor: descriptor, path: path)
  }

  /// Empties the file and releases the lock.
  public func release() {
    guard descriptor >= 0 else { return }
    ftruncate(descriptor, 0)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }

  /// The pid in `Locked by pid==PID …`, when the file holds one.
  static func holderPid(_ descriptor: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return nil }
    let text = String(decoding: buffer[0..<count], as: UTF8.self)
    guard let marker = text.firstRange(of: "pid==") else { return nil }
    return Int32(text[marker.upperBound...].prefix { $0.isNumber })
  }
}
