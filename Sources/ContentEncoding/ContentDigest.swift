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

  /// The bytes lowercase or uppercase hex spells; nil for anything else.
  public static func bytes(fromHex text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    func value(_ digit: UInt8) -> UInt8? {
      switch digit {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
      default: nil
      }
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
      guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
      bytes.append(high << 4 | low)
    }
    return bytes
  }
}
