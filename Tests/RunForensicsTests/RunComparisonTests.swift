import Foundation
import RefreshStore
import TestSupport
import Testing

@testable import RunForensics

/// `diff`'s comparison on real records: scripts matched by phase and name,
/// what changed about each, and scripts that a failure kept from running
/// told apart from scripts that were removed.
@Suite struct RunComparisonTests {
  let history = RecordedHistory()
  var base: TemporaryDirectory { history.base }
  var scratch: TemporaryDirectory { history.scratch }

  func compare(_ from: Int64, _ to: Int64) throws -> [String: RunComparison.ScriptChange] {
    let comparison = try RunComparison.load(from: from, to: to, in: try history.queries(), showSecrets: false)
    return Dictionary(uniqueKeysWithValues: comparison.scripts.map { ($0.phase.rawValue + "/" + $0.name, $0) })
  }

  @Test func scriptsAFailureKeptFromRunningAreNotReachedNotRemoved() throws {
    base.script("configure.d/10-a", "exit 0")
    base.script("configure.d/20-b", "exit 0")
    base.script("post-configure.d/10-c", "exit 0")
    #expect(try history.refresh() == .success)
    base.script("configure.d/20-b", "exit 5")
    #expect(try history.refresh() == .failure)
    let forward = try compare(1, 2)
    #expect(forward["configure/10-a"]?.change == .same)
    #expect(forward["configure/20-b"]?.change == .changed)
    #expect(forward["configure/20-b"]?.contentChanged == true)
    #expect(forward["configure/20-b"]?.outcomeChanged == true)
    #expect(forward["post-configure/10-c"]?.change == .removed)
    #expect(forward["post-configure/10-c"]?.notReached == true)
    // Backwards, the script the failure kept from running is "added", and
    // still not reached in the run that failed.
    let backward = try compare(2, 1)
    #expect(backward["post-configure/10-c"]?.change == .added)
    #expect(backward["post-configure/10-c"]?.notReached == true)
  }

  @Test func aScriptTakenAwayIsRemovedAndReached() throws {
    base.script("configure.d/10-a", "exit 0")
    base.script("configure.d/20-b", "exit 0")
    #expect(try history.refresh() == .success)
    try FileManager.default.removeItem(atPath: base.url("configure.d/20-b"))
    base.script("configure.d/30-new", "exit 0")
    #expect(try history.refresh() == .success)
    let changes = try compare(1, 2)
    #expect(changes["configure/20-b"]?.change == .removed)
    #expect(changes["configure/20-b"]?.notReached == false)
    #expect(changes["configure/30-new"]?.change == .added)
    #expect(changes["configure/30-new"]?.notReached == false)
  }

  @Test func onlyALargeDurationChangeCounts() {
    #expect(!RunComparison.durationChanged(100_000, 900_000), "under a second apart")
    #expect(!RunComparison.durationChanged(2_000_000, 3_500_000), "under twice as long")
    #expect(RunComparison.durationChanged(1_000_000, 2_500_000))
    #expect(RunComparison.durationChanged(2_500_000, 1_000_000))
    #expect(!RunComparison.durationChanged(nil, 2_500_000))
  }
}
