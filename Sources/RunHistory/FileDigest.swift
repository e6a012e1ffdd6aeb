import ContentEncoding
import RefreshStore
import SystemInterface

/// Reads files for the record: their SHA-256, in chunks so that a large
/// file is never held in memory whole, and their bytes up to a limit.
enum FileDigest {
  /// The SHA-256 of the file at `path`; nil when `shouldStop` said so
  /// between two chunks (it is asked every ``chunksPerAsk`` of them).
  static func sha256(_ path: String, shouldStop: () -> Bool = { false }) throws(SystemError) -> String? {
    var bytesHashed = 0
    return try sha256(path, bytesHashed: &bytesHashed, shouldStop: shouldStop)
  }

  /// Chunks hashed between two asks of `shouldStop`.
  static let chunksPerAsk = 16

  /// ``sha256(_:shouldStop:)``, counting the bytes it hashed: how tests
  /// bound the work done after a stop without a clock.
  static func sha256(
    _ path: String, bytesHashed: inout Int, shouldStop: () -> Bool
  ) throws(SystemError) -> String? {
    var hasher = SHA256Hasher()
    var chunks = 0
    var hashed = 0
    defer { bytesHashed = hashed }
    let complete = try SmallFile.forEachChunk(path) { chunk in
      hasher.update(chunk)
      hashed += chunk.count
      chunks += 1
      return chunks % Self.chunksPerAsk != 0 || !shouldStop()
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
