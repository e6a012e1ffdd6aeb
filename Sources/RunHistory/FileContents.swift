import RefreshStore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads files whole, for hashing and keeping inputs and scripts.
enum FileContents {
  /// The file's bytes, or an error text. Reads at most `limit` bytes; a
  /// longer file reports `complete: false`.
  static func read(_ path: String, limit: Int) -> (bytes: [UInt8], complete: Bool)? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while bytes.count <= limit {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count < 0 { return nil }
      if count == 0 { return (bytes, true) }
      bytes.append(contentsOf: chunk[0..<count])
    }
    return (Array(bytes.prefix(limit)), false)
  }

  /// The SHA-256 of the file, read in chunks so that a large file (a
  /// binary script, say) is never held in memory whole; nil when unreadable.
  static func sha256(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var hasher = SHA256Hasher()
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count < 0 { return nil }
      if count == 0 { return ContentDigest.hex(hasher.finalize()) }
      chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
  }

  /// Why `path` could not be read, as strerror says.
  static func lastError() -> String { String(cString: strerror(errno)) }
}
