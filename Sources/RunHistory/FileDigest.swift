import ContentEncoding
import RefreshStore
import SystemInterface

/// Reads files for the record: their SHA-256, in chunks so that a large
/// file is never held in memory whole, and their bytes up to a limit.
enum FileDigest {
  /// The SHA-256 of the file at `path`; nil when `shouldStop` said so
  /// between two chunks (it is asked every 16 of them, 1 MiB).
  static func sha256(_ path: String, shouldStop: () -> Bool = { false }) throws(SystemError) -> String? {
    var hasher = SHA256Hasher()
    var chunks = 0
    let complete = try SmallFile.forEachChunk(path) { chunk in
      hasher.update(chunk)
      chunks += 1
      return chunks % 16 != 0 || !shouldStop()
    }
    return complete ? ContentDigest.hex(hasher.finalize()) : nil
  }

  /// HMAC-SHA-256 of the file at `path` under `key`, read in chunks.
  static func hmacSHA256(_ path: String, key: [UInt8]) throws(SystemError) -> String {
    var hmac = HMACSHA256(key: key)
    try SmallFile.forEachChunk(path) { chunk in
      hmac.update(chunk)
      return true
    }
    return hmac.finalizeHex()
  }
}
