/// SHA-256 of contents, as lowercase hex.
public enum ContentDigest {
  /// The SHA-256 of `bytes` in lowercase hex (64 characters).
  public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let array = Array(bytes)
    return array.withUnsafeBytes { sha256Hex($0) }
  }

  /// The SHA-256 of raw memory in lowercase hex.
  public static func sha256Hex(_ buffer: UnsafeRawBufferPointer) -> String {
    var hasher = SHA256Hasher()
    hasher.update(buffer)
    return hex(hasher.finalize())
  }

  /// HMAC-SHA-256 of `message` under `key` (RFC 2104) in lowercase hex: a
  /// digest only the key's holder can make, so equal values compare equal
  /// and a copied database alone confirms no guess.
  public static func hmacSHA256Hex(key: [UInt8], _ message: [UInt8]) -> String {
    var block = key.count > 64 ? hashed(key) : key
    block += [UInt8](repeating: 0, count: 64 - block.count)
    var inner = SHA256Hasher()
    inner.update(block.map { $0 ^ 0x36 })
    inner.update(message)
    var outer = SHA256Hasher()
    outer.update(block.map { $0 ^ 0x5c })
    outer.update(inner.finalize())
    return hex(outer.finalize())
  }

  private static func hashed(_ bytes: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// Bytes as lowercase hex.
  public static func hex(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(digest.count * 2)
    for byte in digest {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
