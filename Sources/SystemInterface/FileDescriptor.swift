import CSystemShims

/// An open file descriptor with one owner, closed exactly once: by ``close()``
/// or when the owner lets go of it, whichever comes first.
///
/// Nothing else closes the number it holds; whoever needs it borrows
/// ``rawValue`` for the length of a call.
public final class FileDescriptor: @unchecked Sendable {
  /// The descriptor number while open, -1 once closed.
  public private(set) var rawValue: Int32

  /// Takes ownership of an open descriptor.
  public init(owning rawValue: Int32) {
    self.rawValue = rawValue
  }

  deinit { close() }

  /// Whether it is still open.
  public var isOpen: Bool { rawValue >= 0 }

  /// Closes it; later calls do nothing. close(2) is not retried on EINTR:
  /// on Linux the descriptor is released even then.
  public func close() {
    guard rawValue >= 0 else { return }
    _ = Glibc.close(rawValue)
    rawValue = -1
  }

  /// Opens `path` with `flags` (O_CLOEXEC always added) and `mode`.
  public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
    let descriptor = try systemCall("open", subject: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    return FileDescriptor(owning: descriptor)
  }

  /// Reads at most `buffer.count` bytes. Returns the count (0 at end of file).
  /// - Throws: ``SystemError``; `EAGAIN` when a non-blocking one has nothing yet.
  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
    try systemCall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
  }

  /// Reads at most `buffer.count` bytes at `offset` without moving the file position.
  public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) -> Int {
    try systemCall("pread") { pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
  }

  /// Writes all of `bytes`; false when the descriptor no longer takes data.
  @discardableResult
  public func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool { writeFully(rawValue, bytes) }

  /// Makes reads and writes return `EAGAIN` instead of waiting (or, with
  /// false, wait again): a flag of the open file, shared by every process
  /// that holds it.
  public func setNonBlocking(_ nonBlocking: Bool = true) {
    let flags = fcntl(rawValue, F_GETFL)
    _ = fcntl(rawValue, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
  }

  /// `fstat(2)` of the open file.
  public func status() throws(SystemError) -> stat {
    var info = stat()
    try systemCall("fstat") { fstat(rawValue, &info) }
    return info
  }
}

/// The two ends of a close-on-exec pipe, each with one owner.
public struct PipeEnds: Sendable {
  /// Where the bytes come out.
  public let readEnd: FileDescriptor
  /// Where they go in.
  public let writeEnd: FileDescriptor

  /// Makes a pipe (pipe2 with O_CLOEXEC).
  public init() throws(SystemError) {
    var ends: [Int32] = [-1, -1]
    try systemCall("pipe2") { orc_pipe_cloexec(&ends) }
    readEnd = FileDescriptor(owning: ends[0])
    writeEnd = FileDescriptor(owning: ends[1])
  }

  /// A pipe whose ends never block: how one thread wakes another.
  public static func signal() throws(SystemError) -> PipeEnds {
    let ends = try PipeEnds()
    ends.readEnd.setNonBlocking()
    ends.writeEnd.setNonBlocking()
    return ends
  }

  /// Reads and drops what the (nonblocking) read end holds.
  public func discardUnread() {
    var scratch = [UInt8](repeating: 0, count: 256)
    while scratch.withUnsafeMutableBytes({ read(readEnd.rawValue, $0.baseAddress, $0.count) }) > 0 {}
  }
}
