import TestSupport
import Testing

@testable import RefreshStore

/// A refresh's start reads the last states of the roots it compares, by
/// ranges of the state table's key: states kept for paths no longer
/// watched are not read.
@Suite struct FileStateRangeTests {
  let folder = TemporaryDirectory("orc-file-state-ranges")

  func history(with paths: [String]) throws -> HistoryStore {
    let store = try HistoryStore.openForRecording(at: folder.url("history.sqlite"), now: 0).store
    for (index, path) in paths.enumerated() {
      try store.database.statement(
        """
        INSERT INTO file_state (path, file_kind, device, inode, size, mtime_ns, ctime_ns, mode, owner, grp, sha256,
          content_id, secret)
        VALUES (?, 'regular', 1, ?, 0, 0, 0, 420, 0, 0, NULL, NULL, 0)
        """
      ).run([.text(path), .integer(Int64(index + 1))])
    }
    return store
  }

  @Test func theStatesUnderTheRootsAreReadAndNoOthers() throws {
    let store = try history(with: ["/etc", "/etc/a", "/etc/b/c", "/etc-old/x", "/etcx", "/srv/y", "/e", "/"])
    let etc = try store.queries.fileStates(under: ["/etc"])
    // Every path at or below the root; "/etc-old/x" sorts inside the range
    // ("-" is below "/"): callers keep their scope's paths.
    #expect(Set(etc.keys) == ["/etc", "/etc/a", "/etc/b/c", "/etc-old/x"])
    #expect(etc["/etc/b/c"]?.state.inode == 3)
    #expect(Set(try store.queries.fileStates(under: ["/etc", "/srv"]).keys).isSuperset(of: ["/etc/a", "/srv/y"]))
    #expect(try store.queries.fileStates(under: ["/srv"]).keys.sorted() == ["/srv/y"])
    #expect(try store.queries.fileStates(under: []).isEmpty)
    #expect(try store.queries.fileStates(under: ["/"]).count == 8)
  }

  /// The start's read on its own thread: the same states.
  @Test func theStartsReadAsideIsTheSame() throws {
    let store = try history(with: ["/etc/a", "/srv/y"])
    let aside = try store.fileStatesAside(under: ["/srv"]).value.get()
    #expect(aside.keys.sorted() == ["/srv/y"])
  }
}
