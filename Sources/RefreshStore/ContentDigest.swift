import Crypto

/// SHA-256 of contents, as lowercase hex.
public enum ContentDigest {
  /// The SHA-256 of `bytes` in lowercase hex (64 characters).
  public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hasher = SHA256()
    hasher.update(data: Array(bytes))
    return hex(hasher.finalize())
  }

  /// The SHA-256 of raw memory in lowercase hex.
  public static func sha256Hex(_ buffer: UnsafeRawBufferPointer) -> String {
    var hasher = SHA256()
    hasher.update(bufferPointer: buffer)
    return hex(hasher.finalize())
  }

  private static func hex<Digest: Sequence>(_ digest: Digest) -> String where Digest.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for byte in digest {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
