import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import ContentEncoding
@testable import RefreshStore

/// Large inputs stored as content-defined chunks: every file comes back
/// byte for byte, a one-key change stores a chunk or two, and pruning frees
/// exactly the chunks no kept run shares.
@Suite struct ContentChunksTests {
  let folder = TemporaryDirectory("orc-chunks")

  func store() throws -> HistoryStore {
    try HistoryStore.openForRecording(at: folder.path + "/db/history.sqlite", now: 0).store
  }

  func run(_ store: HistoryStore, _ contents: [[UInt8]]) throws -> Int64 {
    try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 0,
        inputs: contents.enumerated().map { index, bytes in
          InputRecord(kind: .config, path: "/m\(index).json", sha256: ContentDigest.sha256Hex(bytes), content: bytes)
        }))
  }

  /// Heat-shaped JSON, large enough to be chunked, in many spellings:
  /// nested lists, unicode, numbers as written (1e3, 1.0, -0), duplicate
  /// keys, odd whitespace, CRLF, no final newline.
  static func files() -> [[UInt8]] {
    var generator = SystemRandomNumberGenerator()
    let spellings = [
      #""n": 1e3, "f": 1.0, "z": -0, "big": 12345678901234567890"#,
      #""name": "ünïcødé ✓ 雪", "emoji": "🦀", "escaped": "\u00e9\n\t\"""#,
      #""dup": 1, "dup": 2, "dup": {"dup": []}"#,
      "\"spaced\"\t:\r\n  [ 1 ,\n\n 2 ]",
    ]
    return (0..<20).map { index in
      var text = index % 3 == 0 ? "{\r\n\"deployments\": [" : "{\"deployments\":["
      let count = 60 + Int.random(in: 0..<80, using: &generator)
      for item in 0..<count {
        if item > 0 { text += index % 2 == 0 ? ",\n  " : "," }
        text += "{\"id\": \"\(UInt32.random(in: 0...UInt32.max, using: &generator))\", "
        text += spellings[(item + index) % spellings.count] + ", "
        text +=
          "\"inputs\": ["
          + (0..<12).map { "{\"name\": \"in\($0)\", \"value\": \($0 * item)}" }
          .joined(separator: ", ") + "], \"config\": \"" + String(repeating: "x", count: 900 + item) + "\"}"
      }
      text += index % 4 == 0 ? "]}" : "]}\n"
      return Array(text.utf8)
    }
  }

  @Test func twentyVariedFilesComeBackByteForByte() throws {
    let store = try store()
    let files = Self.files()
    #expect(files.allSatisfy { $0.count >= ContentChunks.threshold })
    let id = try run(store, files)
    let stored = try store.queries.inputs(run: id)
    #expect(stored.count == 20)
    for (original, input) in zip(files, stored) {
      #expect(input.content == original)
      #expect(input.content.map(ContentDigest.sha256Hex) == ContentDigest.sha256Hex(original))
      #expect(input.sha256 == ContentDigest.sha256Hex(original))
    }
    let chunked = try store.database.firstRow("SELECT count(*) FROM run_inputs WHERE chunked = 1") { $0.int64(0) }
    #expect(chunked == 20)
  }

  @Test func chunksTileTheFileWithinTheirBounds() {
    for file in Self.files() {
      let ranges = ContentChunks.ranges(of: file)
      #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == file.count)
      #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
      #expect(ranges.dropLast().allSatisfy { $0.count >= ContentChunks.minimum && $0.count <= ContentChunks.maximum })
    }
  }

  @Test func aOneKeyChangeStoresAChunkOrTwoAndPruningFreesOnlyItsOwn() throws {
    let store = try store()
    var file = Self.files()[1]
    let first = try run(store, [file])
    let contents = { try store.database.firstRow("SELECT count(*) FROM contents") { $0.int64(0) } ?? 0 }
    let before = try contents()
    // One value changed in the middle, its length kept.
    let middle = file.count / 2
    let digit = try #require(file[middle...].firstIndex { (0x30...0x38).contains($0) })
    file[digit] += 1
    let second = try run(store, [file])
    let added = try contents() - before
    #expect(added >= 1 && added <= 3, "\(added) new chunks for one changed byte")
    #expect(try store.queries.inputs(run: second).first?.content == file)
    try store.writer.finishRun(id: first, finishedAt: 2, durationMicroseconds: 1, status: .failed, exitCode: 1)
    try store.writer.finishRun(id: second, finishedAt: 2, durationMicroseconds: 1, status: .failed, exitCode: 1)
    try store.retention.prune(keepRuns: 1, olderThan: nil)
    #expect(try store.database.firstRow("SELECT count(*) FROM runs") { $0.int64(0) } == 1)
    #expect(try store.queries.inputs(run: second).first?.content == file, "shared chunks kept")
    #expect(try contents() == before, "the first run's own chunks freed")
    #expect(try store.database.firstRow("SELECT count(*) FROM contents WHERE refs <= 0") { $0.int64(0) } == 0)
  }
}
