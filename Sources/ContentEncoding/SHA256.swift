import CSystemShims

/// SHA-256 (FIPS 180-4), for content hashes.
///
/// Our own instead of swift-crypto's: swift-crypto imports the whole of
/// Foundation (with ICU) on Linux, which added about 5 ms to the start of
/// every os-refresh-config process, `history` included. The block function
/// is C (`orc_sha256_blocks`): the CPU's SHA extensions where it has them,
/// portable C elsewhere. Checked against the FIPS test vectors and
/// `sha256sum` in the tests.
public struct SHA256Hasher: Sendable {
  private var state: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
  ]
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  /// A hasher with nothing hashed yet.
  public init() {}

  /// Adds bytes.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    length &+= UInt64(bytes.count)
    var index = 0
    if !pending.isEmpty {
      let taken = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<taken])
      index = taken
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress(UnsafeRawBufferPointer(rebasing: $0[0..<64])) }
      pending.removeAll(keepingCapacity: true)
    }
    let blocks = (bytes.count - index) / 64
    if blocks > 0 {
      compress(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + blocks * 64)]))
      index += blocks * 64
    }
    if index < bytes.count { pending.append(contentsOf: bytes[index...]) }
  }

  /// The digest of everything added (the hasher is spent).
  /// Adds the bytes of an array.
  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  public mutating func finalize() -> [UInt8] {
    let bits = length &* 8
    let padding = (55 &- pending.count) & 63
    // One allocation for the tail and one for the digest: this runs once a
    // digest, and a scrub digests thousands of short pieces a document.
    var tail = [UInt8](repeating: 0, count: 1 + padding + 8)
    tail[0] = 0x80
    for index in 0..<8 { tail[1 + padding + index] = UInt8(truncatingIfNeeded: bits >> UInt64(56 - 8 * index)) }
    let savedLength = length
    tail.withUnsafeBytes { update($0) }
    length = savedLength
    return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
      for (index, word) in state.enumerated() {
        digest[4 * index] = UInt8(truncatingIfNeeded: word >> 24)
        digest[4 * index + 1] = UInt8(truncatingIfNeeded: word >> 16)
        digest[4 * index + 2] = UInt8(truncatingIfNeeded: word >> 8)
        digest[4 * index + 3] = UInt8(truncatingIfNeeded: word)
      }
      count = 32
    }
  }

  /// Compresses whole 64-byte blocks into the state.
  private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
    guard let base = blocks.baseAddress else { return }
    state.withUnsafeMutableBufferPointer { words in
      orc_sha256_blocks(words.baseAddress!, base.assumingMemoryBound(to: UInt8.self), blocks.count / 64)
    }
  }
}
