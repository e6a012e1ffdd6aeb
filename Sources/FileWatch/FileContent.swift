import ContentEncoding
import SystemInterface

/// A watched regular file's content as read for the record: its first
/// bytes up to a limit, and digests of the whole of it.
public struct FileContent: Sendable {
  /// The file as opened (fstat): what the content belongs to.
  public let state: FileState
  /// The whole content when it is within the limit; nil when larger.
  public let bytes: [UInt8]?
  /// SHA-256 of the whole content.
  public let sha256: String
  /// HMAC-SHA-256 of the whole content under the key given, if one was.
  public let keyedSHA256: String?
  /// Whether it looks binary (a NUL byte in its first 8 KiB).
  public let binary: Bool

  /// Reads `path`, which a scan found as a regular file: opened without
  /// following a link, without waiting (a FIFO swapped in is refused, not
  /// waited on) and without touching its access time, its first `limit`
  /// bytes kept and all of it digested (with `key` too when given).
  /// - Throws: ``SystemError`` when it cannot be opened or read, or is no
  ///   longer a regular file.
  public static func read(_ path: String, limit: Int, key: [UInt8]?) throws(SystemError) -> FileContent {
    let file = try SmallFile.openRegular(path, followingLinks: false, leavingAccessTime: true)
    let state = FileState(try file.status())
    var kept: [UInt8] = []
    var whole = true
    var plain = SHA256Hasher()
    var keyed = key.map { HMACSHA256(key: $0) }
    var head: [UInt8] = []
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { chunk.deallocate() }
    while true {
      let count = try file.read(into: chunk)
      if count == 0 { break }
      let piece = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
      plain.update(piece)
      keyed?.update(piece)
      if head.count < 8192 { head += piece.prefix(8192 - head.count) }
      if whole {
        if kept.count + count <= limit {
          kept += piece
        } else {
          whole = false
          kept = []
        }
      }
    }
    return FileContent(
      state: state, bytes: whole ? kept : nil, sha256: ContentDigest.hex(plain.finalize()),
      keyedSHA256: keyed.map {
        var digest = $0; return digest.finalizeHex()
      }, binary: head.contains(0))
  }
}
