import RefreshStore
import TestSupport
import Testing

@testable import RunHistory

@Suite struct OutputCaptureTests {
  /// Feeds `bytes` in chunks of the given sizes (cycling).
  func capture(_ bytes: [UInt8], limit: Int, chunks: [Int]) -> CapturedStream {
    let capture = OutputCapture(limit: limit)
    var offset = 0
    var index = 0
    while offset < bytes.count {
      let size = min(chunks[index % chunks.count], bytes.count - offset)
      bytes[offset..<(offset + size)].withUnsafeBytes { capture.append($0) }
      offset += size
      index += 1
    }
    return capture.captured
  }

  @Test(arguments: [0, 1, 9, 10, 11, 19, 20, 21, 35, 1000])
  func keepsTheFirstAndLastBytesExactly(length: Int) {
    let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
    for chunks in [[1], [3], [7, 1, 15], [64], [1000]] {
      let captured = capture(bytes, limit: 10, chunks: chunks)
      #expect(captured.totalBytes == Int64(length))
      #expect(captured.head == Array(bytes.prefix(10)))
      if length <= 20 {
        #expect(!captured.truncated)
        #expect(captured.kept == bytes)
      } else {
        #expect(captured.truncated)
        #expect(captured.tail == Array(bytes.suffix(10)))
      }
    }
  }

  @Test func aZeroLimitKeepsNothingButCounts() {
    let captured = capture(Array(repeating: 65, count: 100), limit: 0, chunks: [30])
    #expect(captured.kept.isEmpty)
    #expect(captured.totalBytes == 100)
    #expect(captured.truncated)
  }
}
