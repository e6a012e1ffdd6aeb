import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// Which runs a prune keeps, on real records: the newest runs, and always
/// the newest success and the newest failure, whatever the count says.
@Suite struct RetentionTests {
  let history = RecordedHistory()

  /// Records one run per outcome, in order (true: success).
  func record(_ outcomes: [Bool]) throws {
    history.base.script("configure.d/10-step", "[ -e \(history.scratch.url("fail")) ] && exit 1; echo kept output")
    for succeeds in outcomes {
      if succeeds {
        try? FileManager.default.removeItem(atPath: history.scratch.url("fail"))
      } else {
        history.scratch.write("fail", "")
      }
      #expect(try history.refresh() == (succeeds ? .success : .failure))
    }
  }

  func prune(keepRuns: Int) throws -> (report: PruneReport, kept: [Int64], totals: [RunStatus: Int64]) {
    let store = try HistoryStore.openForRecording(at: history.database, now: 0).store
    let report = try store.retention.prune(keepRuns: keepRuns, olderThan: nil)
    let queries = store.queries
    return (report, try queries.runs(limit: nil).map(\.id), try queries.runTotals())
  }

  @Test func theNewestFailureOutlivesTheCount() throws {
    try record([false, true, true, true])
    let (report, kept, totals) = try prune(keepRuns: 1)
    #expect(kept == [4, 1])
    #expect(report.runs == 2)
    #expect(report.scripts == 2)
    #expect(totals[.success] == 3 && totals[.failed] == 1, "pruned runs still count")
  }

  @Test func theNewestSuccessOutlivesTheCount() throws {
    try record([true, false, false, false])
    let (report, kept, _) = try prune(keepRuns: 2)
    #expect(kept == [4, 3, 1])
    #expect(report.runs == 1)
  }

  @Test func outputSharedWithAKeptRunIsKeptAndTheRestGoes() throws {
    try record([true, true, true])
    let (report, kept, _) = try prune(keepRuns: 1)
    #expect(kept == [3])
    #expect(report.runs == 2)
    // The script and its output are the same each run: stored once, still
    // referenced by the kept run, so nothing of the contents goes.
    #expect(report.contents == 0)
    let queries = try history.queries()
    let script = try #require(try queries.run(3).phases.flatMap(\.scripts).first)
    #expect(try queries.output(script: script.id, stream: .stdout).kept == Array("kept output\n".utf8))
  }

  /// What `history export` reads in: runs listed first are all still
  /// there to read when a prune ran meanwhile.
  @Test func aSnapshotOutlivesAPruneRunMeanwhile() throws {
    try record([true, true, true])
    let queries = try history.queries()
    let details = try queries.snapshot {
      let ids = try queries.runIDs(since: nil)
      let store = try HistoryStore.openForRecording(at: history.database, now: 0).store
      #expect(try store.retention.prune(keepRuns: 1, olderThan: nil).runs == 2)
      return try ids.map { try queries.run($0) }
    }
    #expect(details.map(\.summary.id) == [1, 2, 3])
    #expect(try history.queries().runs(limit: nil).map(\.id) == [3], "and the prune took effect")
  }

  @Test func aRunningRunIsNeverPruned() throws {
    try record([true, true])
    let store = try HistoryStore.openForRecording(at: history.database, now: 0).store
    let running = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "h", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 0, inputs: []))
    _ = try store.retention.prune(keepRuns: 1, olderThan: Int64.max)
    #expect(try store.queries.runs(limit: nil).map(\.id) == [running, 2])
  }
}
