import Foundation
import Testing

@testable import RefreshStore

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
