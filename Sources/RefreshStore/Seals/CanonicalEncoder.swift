import ContentEncoding

/// The seals' canonical encoding, hashed as it is written: bytes gather in
/// a buffer that is hashed 64 KiB at a time, so a record's thousands of
/// small values cost no allocation each.
package struct CanonicalEncoder {
  private var hasher = SHA256Hasher()
  private var buffer: [UInt8] = []
  private static let flushAt = 64 << 10

  package init() { buffer.reserveCapacity(Self.flushAt + 4096) }

  /// Adds one byte.
  package mutating func append(_ byte: UInt8) {
    buffer.append(byte)
    if buffer.count >= Self.flushAt { flush() }
  }

  /// Adds a type byte and a number, 8 bytes big-endian.
  package mutating func append(_ type: UInt8, _ value: UInt64) {
    buffer.append(type)
    withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    if buffer.count >= Self.flushAt { flush() }
  }

  /// Adds a type byte, the length of `bytes` (8 bytes big-endian) and them:
  /// how text and blobs are encoded.
  package mutating func append(_ type: UInt8, sized bytes: UnsafeRawBufferPointer) {
    append(type, UInt64(bytes.count))
    append(bytes)
  }

  /// Adds bytes as they are.
  package mutating func append(_ bytes: UnsafeRawBufferPointer) {
    if bytes.count >= Self.flushAt {
      flush()
      hasher.update(bytes)
    } else {
      buffer.append(contentsOf: bytes)
      if buffer.count >= Self.flushAt { flush() }
    }
  }

  /// Adds the bytes of an array.
  package mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

  private mutating func flush() {
    hasher.update(buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  /// The digest of everything added (the encoder is spent).
  package mutating func finalize() -> [UInt8] {
    flush()
    return hasher.finalize()
  }
}
