import ContentEncoding
import FileWatch
import RefreshVocabulary
import Testing

@testable import RefreshStore

/// The digest a changed file's kept text is stored under: the change's own
/// plain digest when the text is the file as it is, made again when the
/// text was masked (the change's digest is then keyed, of the file).
@Suite struct FileContentDigestTests {
  static func change(content: String, sha256: String?) -> FileChangeRecord {
    var record = FileChangeRecord(
      path: "/etc/app.conf", change: .modified, found: .duringRun, byRefresh: true, seenAt: 1,
      state: FileState(
        kind: .regular, device: 1, inode: 2, size: 3, modified: 4, changed: 5, mode: 0o644, owner: 0, group: 0))
    record.content = Array(content.utf8)
    record.sha256 = sha256
    return record
  }

  @Test func aPlainDigestOfTheKeptTextIsTheContentsDigest() {
    let text = "debug = true\n"
    let record = Self.change(content: text, sha256: ContentDigest.sha256Hex(Array(text.utf8)))
    #expect(RunWriter.contentDigest(of: record.content!, in: record) == record.sha256)
  }

  @Test func aMaskedTextsDigestIsMadeFromWhatIsKept() {
    let kept = "password = <secret:hmac-sha256:00>\n"
    let record = Self.change(content: kept, sha256: ContentDigest.keyedPrefix + String(repeating: "ab", count: 32))
    #expect(RunWriter.contentDigest(of: record.content!, in: record) == ContentDigest.sha256Hex(Array(kept.utf8)))
    let undigested = Self.change(content: kept, sha256: nil)
    #expect(
      RunWriter.contentDigest(of: kept.utf8.map { $0 }, in: undigested) == ContentDigest.sha256Hex(Array(kept.utf8)))
  }
}
