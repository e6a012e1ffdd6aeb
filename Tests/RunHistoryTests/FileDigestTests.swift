import Foundation
import TestSupport
import Testing

@testable import RunHistory

/// Hashing a large script for the record gives up between chunks when told
/// to stop: counted in bytes hashed, not seconds.
@Suite struct FileDigestTests {
  let scratch = TemporaryDirectory("orc-file-digest")

  @Test func hashingAskedToStopHashesAtMostOneRoundOfChunksMore() throws {
    let path = scratch.write("large", "")
    #expect(truncate(path, 8 << 30) == 0, "8 GiB, sparse")
    var asks = 0
    var hashed = 0
    let digest = try FileDigest.sha256(path, bytesHashed: &hashed) {
      asks += 1
      return asks >= 2
    }
    #expect(digest == nil, "no digest of what was not read")
    #expect(asks == 2)
    #expect(hashed > 0 && hashed <= 2 * FileDigest.chunksPerAsk * 64 * 1024, "\(hashed) bytes hashed")

    let small = scratch.write("small", "abc")
    #expect(
      try FileDigest.sha256(small) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }
}
