import ContentEncoding

/// The seals' canonical encoding, hashed as it is written: bytes gather in
/// a buffer of its own that is hashed 64 KiB at a time, so a record's
/// thousands of small values cost no allocation, and no check of a shared
/// array, each (`history verify` encodes millions).
package struct CanonicalEncoder: ~Copyable {
  private var hasher = SHA256Hasher()
  private static let capacity = 64 << 10
  private let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
  private var count = 0

  package init() {}

  deinit { buffer.deallocate() }

  /// Adds one byte.
  package mutating func append(_ byte: UInt8) {
    if count == Self.capacity { flush() }
    buffer.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  /// Adds a type byte and a number, 8 bytes big-endian.
  package mutating func append(_ type: UInt8, _ value: UInt64) {
    if count > Self.capacity - 9 { flush() }
    buffer.storeBytes(of: type, toByteOffset: count, as: UInt8.self)
    buffer.storeBytes(of: value.bigEndian, toByteOffset: count + 1, as: UInt64.self)
    count += 9
  }

  /// Adds a type byte, the length of `bytes` (8 bytes big-endian) and them:
  /// how text and blobs are encoded.
  package mutating func append(_ type: UInt8, sized bytes: UnsafeRawBufferPointer) {
    append(type, UInt64(bytes.count))
    append(bytes)
  }

  /// Adds bytes as they are.
  package mutating func append(_ bytes: UnsafeRawBufferPointer) {
    guard let start = bytes.baseAddress, bytes.count > 0 else { return }
    if count + bytes.count > Self.capacity {
      flush()
      guard bytes.count < Self.capacity else { return hasher.update(bytes) }
    }
    (buffer + count).copyMemory(from: start, byteCount: bytes.count)
    count += bytes.count
  }

  /// Adds the bytes of an array.
  package mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

  private mutating func flush() {
    hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
    count = 0
  }

  /// The digest of everything added (the encoder is spent).
  package mutating func finalize() -> [UInt8] {
    flush()
    return hasher.finalize()
  }
}
