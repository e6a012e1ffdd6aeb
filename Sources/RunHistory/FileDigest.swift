import RefreshStore
import SystemInterface

/// Reads files for the record: their SHA-256, in chunks so that a large
/// file is never held in memory whole, and their bytes up to a limit.
enum FileDigest {
  /// The SHA-256 of the file at `path`.
  static func sha256(_ path: String) throws(SystemError) -> String {
    var hasher = SHA256Hasher()
    try SmallFile.forEachChunk(path) { chunk in
      hasher.update(chunk)
      return true
    }
    return ContentDigest.hex(hasher.finalize())
  }

  /// HMAC-SHA-256 of the file at `path` under `key` (at most 64 bytes:
  /// ours are 32), read in chunks.
  static func hmacSHA256(_ path: String, key: [UInt8]) throws(SystemError) -> String {
    var block = Array(key.prefix(64))
    block += [UInt8](repeating: 0, count: 64 - block.count)
    var inner = SHA256Hasher()
    inner.update(block.map { $0 ^ 0x36 })
    try SmallFile.forEachChunk(path) { chunk in
      inner.update(chunk)
      return true
    }
    var outer = SHA256Hasher()
    outer.update(block.map { $0 ^ 0x5c })
    outer.update(inner.finalize())
    return ContentDigest.hex(outer.finalize())
  }
}
