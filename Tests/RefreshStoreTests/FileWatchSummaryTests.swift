import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// What a run did to its files, in counts and its first changes: the drift
/// found at its start, then its own, each oldest first, at most
/// ``FileWatchSummary/eventLimit``; baselines are neither.
@Suite struct FileWatchSummaryTests {
  let folder = TemporaryDirectory("orc-file-watch-summary")

  /// A history whose run 1 recorded `found` in this order (ids ascending).
  func history(_ found: [FileChangeTime]) throws -> HistoryStore {
    let store = try HistoryStore.openForRecording(at: folder.url("history.sqlite"), now: 0).store
    try store.database.execute(Fixtures.run(1, status: "success"))
    try store.database.execute("INSERT INTO file_watches (run_id, method, paths) VALUES (1, 'fanotify', '[\"/etc\"]')")
    for (index, when) in found.enumerated() {
      try store.database.statement(
        """
        INSERT INTO file_changes (run_id, path, change, found, by_refresh, seen_at, file_kind)
          VALUES (1, ?, 'created', ?, ?, 1, 'regular')
        """
      ).run([.text("/etc/\(when.rawValue)/\(index)"), .word(when), .integer(when == .duringRun ? 1 : 0)])
    }
    return store
  }

  @Test func driftComesFirstThenTheRunsOwnEachOldestFirstUpToTheLimit() throws {
    // Drift recorded among the run's own (ids do not order the two kinds).
    let found: [FileChangeTime] =
      Array(repeating: .baseline, count: 5) + Array(repeating: .duringRun, count: 10) + [.beforeRun, .beforeRun]
      + Array(repeating: .duringRun, count: 290) + [.beforeRun]
    let summary = try #require(try history(found).queries.fileWatchSummary(run: 1))
    #expect((summary.changedByRefresh, summary.changedOutside, summary.drifted) == (300, 0, 3))
    let limit = FileWatchSummary.eventLimit
    #expect(summary.first.count == limit)
    #expect(summary.first.prefix(3).map(\.path) == ["/etc/before_run/15", "/etc/before_run/16", "/etc/before_run/307"])
    let own = summary.first.dropFirst(3).map(\.path)
    let expected = found.indices.filter { found[$0] == .duringRun }.prefix(limit - 3).map { "/etc/during_run/\($0)" }
    #expect(own == expected)
    #expect(summary.latest.map(\.path) == (302...306).reversed().map { "/etc/during_run/\($0)" })
  }

  @Test func driftAloneFillsTheLimit() throws {
    let drift = try #require(
      try history(Array(repeating: .beforeRun, count: 300) + [.duringRun]).queries.fileWatchSummary(run: 1))
    #expect(drift.first.count == FileWatchSummary.eventLimit)
    #expect(drift.first.allSatisfy { $0.found == .beforeRun })
    #expect(drift.first.last?.path == "/etc/before_run/\(FileWatchSummary.eventLimit - 1)")
  }
}
