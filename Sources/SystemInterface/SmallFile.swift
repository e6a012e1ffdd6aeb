import CSystemShims

/// Reads files through one loop: whole (up to a limit) or chunk by chunk.
///
/// Only regular files are read: a FIFO, a device or a socket at the path is
/// refused at once (it is opened without waiting, O_NONBLOCK), so a path
/// someone points at a pipe can never hang the reader.
public enum SmallFile {
  /// The bytes of `path`, at most `limit` of them; `complete` is false when
  /// the file is longer. Without `followingLinks`, a symbolic link at the
  /// path is refused (one another user could have planted).
  public static func read(_ path: String, limit: Int, followingLinks: Bool = true) throws(SystemError) -> (
    bytes: [UInt8], complete: Bool
  ) {
    var bytes: [UInt8] = []
    let complete = try forEachChunk(path, followingLinks: followingLinks) { chunk in
      bytes.append(contentsOf: chunk.prefix(limit + 1 - bytes.count))
      return bytes.count <= limit
    }
    return complete ? (bytes, true) : (Array(bytes.prefix(limit)), false)
  }

  /// Hands `path`'s bytes to `body` 64 KiB at a time, never holding the whole
  /// file; `body` returns false to stop early. Returns whether it read to the end.
  @discardableResult
  public static func forEachChunk(
    _ path: String, followingLinks: Bool = true, _ body: (UnsafeRawBufferPointer) -> Bool
  ) throws(SystemError) -> Bool {
    let file = try openRegular(path, followingLinks: followingLinks)
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { chunk.deallocate() }
    while true {
      let count = try file.read(into: chunk)
      if count == 0 { return true }
      if !body(UnsafeRawBufferPointer(rebasing: chunk[0..<count])) { return false }
    }
  }

  /// Opens `path` for reading without waiting, and only if it is a regular file.
  ///
  /// `leavingAccessTime`: the read does not touch the file's access time
  /// (`O_NOATIME`, for the file's owner or root; anyone else opens it as
  /// usual). A file just rewritten has its access time behind its
  /// modification time, so under `relatime` every such read would write the
  /// inode: a watcher reading thousands of files a script rewrote would
  /// journal an inode each, beside the script, and change what `ls -lu` shows.
  public static func openRegular(
    _ path: String, followingLinks: Bool = true, leavingAccessTime: Bool = false
  ) throws(SystemError) -> FileDescriptor {
    let flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | (followingLinks ? 0 : O_NOFOLLOW)
    let file: FileDescriptor
    do throws(SystemError) {
      file = try FileDescriptor.open(path, flags | (leavingAccessTime ? orc_open_noatime_flag() : 0))
    } catch {
      guard leavingAccessTime, error.code == EPERM else { throw error }
      file = try FileDescriptor.open(path, flags)
    }
    guard try file.status().st_mode & S_IFMT == S_IFREG else {
      throw SystemError(call: "open", code: EINVAL, subject: path, explanation: "not a regular file")
    }
    return file
  }
}
