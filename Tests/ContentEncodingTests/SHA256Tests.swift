import CSystemShims
import Foundation
import Testing

@testable import ContentEncoding

@Suite struct SHA256Tests {
  /// FIPS 180-4 / NIST example vectors.
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func matchesTheStandardVectors(input: String, digest: String) {
    #expect(ContentDigest.sha256Hex(Array(input.utf8)) == digest)
  }

  @Test func aMillionAsInUnevenChunks() {
    var hasher = SHA256Hasher()
    let chunk = [UInt8](repeating: 0x61, count: 1000)
    for size in [1, 63, 64, 65, 807] {
      chunk[0..<size].withUnsafeBytes { hasher.update($0) }
    }
    let remaining = 1_000_000 - (1 + 63 + 64 + 65 + 807)
    for _ in 0..<(remaining / 1000) { chunk.withUnsafeBytes { hasher.update($0) } }
    #expect(
      ContentDigest.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func agreesWithSha256sumOnRandomData() throws {
    for length in [0, 1, 55, 56, 63, 64, 119, 120, 4097] {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
      let path = NSTemporaryDirectory() + "orc-sha-\(UUID().uuidString)"
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      defer { try? FileManager.default.removeItem(atPath: path) }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
      process.arguments = [path]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let output = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      let expected = String(decoding: output, as: UTF8.self).prefix(64)
      #expect(ContentDigest.sha256Hex(bytes) == String(expected), "length \(length)")
    }
  }
}

/// HMAC-SHA-256, the keyed digest secrets are stored as.
@Suite struct HMACTests {
  @Test func matchesRFC4231() {
    // Test cases 1 and 2 of RFC 4231.
    #expect(
      ContentDigest.hmacSHA256Hex(key: [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8))
        == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    #expect(
      ContentDigest.hmacSHA256Hex(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    // Test case 6: a key longer than the block is hashed first.
    #expect(
      ContentDigest.hmacSHA256Hex(
        key: [UInt8](repeating: 0xaa, count: 131),
        Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }

  /// The CPU's SHA extensions (used where present) and the portable C
  /// compression agree block for block, so either path gives the digests
  /// `sha256sum` gives.
  @Test func theTwoBlockFunctionsAgree() {
    var generator = SystemRandomNumberGenerator()
    for blocks in [1, 2, 3, 7, 64, 1000] {
      let data = (0..<(blocks * 64)).map { _ in UInt8.random(in: 0...255, using: &generator) }
      var fast: [UInt32] = (0..<8).map { _ in UInt32.random(in: 0...UInt32.max, using: &generator) }
      var portable = fast
      data.withUnsafeBufferPointer { bytes in
        fast.withUnsafeMutableBufferPointer { orc_sha256_blocks($0.baseAddress!, bytes.baseAddress!, blocks) }
        portable.withUnsafeMutableBufferPointer {
          orc_sha256_blocks_portable($0.baseAddress!, bytes.baseAddress!, blocks)
        }
      }
      #expect(fast == portable, "\(blocks) blocks")
    }
  }
}
