/// HMAC-SHA-256 (RFC 2104), fed in pieces: for keys of at most 64 bytes
/// (ours are 32), the key padded to SHA-256's block. A copy made before the
/// first `update` is a digest under the same key with both padded key
/// blocks already hashed: copy one to digest many short messages.
public struct HMACSHA256: Sendable {
  private var inner = SHA256Hasher()
  private var outer = SHA256Hasher()

  /// Starts a digest under `key`; a key longer than the block is hashed first.
  public init(key: [UInt8]) {
    var block = key
    if block.count > 64 {
      var hasher = SHA256Hasher()
      hasher.update(key)
      block = hasher.finalize()
    }
    block += [UInt8](repeating: 0, count: 64 - block.count)
    inner.update(block.map { $0 ^ 0x36 })
    outer.update(block.map { $0 ^ 0x5c })
  }

  /// Adds bytes.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) { inner.update(bytes) }

  /// The digest in lowercase hex.
  public mutating func finalizeHex() -> String { ContentDigest.hex(finalize()) }

  /// The digest's 32 bytes.
  public mutating func finalize() -> [UInt8] {
    var outer = outer
    outer.update(inner.finalize())
    return outer.finalize()
  }

  /// The digest of `message` under `key`.
  public static func digest(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
    var mac = HMACSHA256(key: key)
    message.withUnsafeBytes { mac.update($0) }
    return mac.finalize()
  }
}
