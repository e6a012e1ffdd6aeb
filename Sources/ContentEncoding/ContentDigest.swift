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
    var hmac = HMACSHA256(key: key)
    message.withUnsafeBytes { hmac.update($0) }
    return hmac.finalizeHex()
  }

  /// What marks a stored input digest as keyed (an HMAC under the
  /// database's key, for content that may hold secrets) rather than the
  /// content's plain SHA-256: `hmac-sha256:HEX`.
  public static let keyedPrefix = "hmac-sha256:"

  /// A stored input digest split into what it is: the content's SHA-256
  /// (what `sha256sum` prints), or a keyed HMAC-SHA-256.
  public static func kind(of stored: String?) -> (sha256: String?, hmacSHA256: String?) {
    guard let stored else { return (nil, nil) }
    if stored.hasPrefix(keyedPrefix) { return (nil, String(stored.dropFirst(keyedPrefix.count))) }
    return (stored, nil)
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
