import FileWatch
import Foundation
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunHistory
import TestSupport
import Testing

@testable import RunHistory

/// The recorder watching files in-process: a kernel queue that overflows,
/// and when the fallback scan is due.
@Suite struct FileChangeWatchTests {
  let base = TemporaryDirectory("orc-watched")
  let scratch = TemporaryDirectory("orc-watched-db")
  var database: String { scratch.url("db/history.sqlite") }
  var etc: String { scratch.url("etc") }

  func recorder(_ watch: FileWatchSettings) throws -> HistoryRecorder {
    var settings = HistoryRecorder.Settings(maxOutput: 4096, plannedScripts: 1, version: "test")
    settings.watch = watch
    let opened = try #require(try RecordingSession.open(path: database, required: true, settings: settings) { _ in })
    return opened.recorder
  }

  /// The kernel's queue (16384 events) overflows (17,000 files created, one event each) while the events are not
  /// read: the changes are found by a scan, and the record says it is incomplete.
  @Test func anOverflowedQueueIsRecordedAsIncompleteAndTheScanFindsEveryChange() throws {
    _ = scratch.directory("etc")
    base.script(
      "configure.d/10-many", "i=0; while [ $i -lt 17000 ]; do : > \(etc)/f$i; i=$((i+1)); done")
    var watch = FileWatchSettings(scope: WatchScope(paths: [etc], excludes: []))
    watch.readsEventsContinuously = false
    let recorder = try recorder(watch)
    let run = try InProcessRun.run(base: base, extraObservers: [recorder])
    #expect(run.outcome.status == .success)
    let queries = try HistoryStore.openForReading(at: database).queries
    let record = try #require(try queries.fileWatch(run: 1))
    #expect(record.method == .fanotify)
    #expect(!record.complete)
    #expect(record.incompleteReason?.contains("fanotify queue overflowed") == true)
    // Every file is recorded, once, as the script's: the overflow is read
    // at its end (only the watched directory's events fill the queue), and
    // the scan attributes what it finds to the script since the last boundary.
    let changes = try queries.fileChanges(run: 1)
    #expect(changes.count == 17000)
    #expect(Set(changes.map(\.record.path)).count == 17000)
    #expect(
      changes.allSatisfy { $0.record.script == "10-many" && $0.record.change == .created },
      "\(changes.filter { $0.record.script != "10-many" }.prefix(3).map { "\($0.record)" })")
  }

  /// A fallback scan is made after a script once the scripts since the
  /// last one ran for 20 times what it cost; at a phase's end always.
  @Test func theFallbackScanIsDueWhenTheScriptsSinceTheLastRanTwentyTimesItsCost() throws {
    _ = scratch.directory("etc")
    var watch = FileChangeWatch(
      settings: FileWatchSettings(scope: WatchScope(paths: [etc], excludes: [])), key: nil, known: .init())
    _ = watch.start(stored: [:], watchedBefore: [])
    #expect(watch.watch.method == .fanotify || watch.watcher == nil)
    watch.watcher = nil
    watch.watch.method = .scan
    scratch.write("etc/a.conf", "a")
    #expect(watch.scriptEnded("10-fast", in: .configure, durationNanoseconds: 0).isEmpty, "not due yet")
    scratch.write("etc/b.conf", "b")
    #expect(watch.scriptEnded("15-fast", in: .configure, durationNanoseconds: 0).isEmpty, "not due yet")
    let found = watch.boundary()
    #expect(
      found.map { ($0.path, $0.phase, $0.script) }.map { "\($0.0) \($0.1?.rawValue ?? "") \($0.2 ?? "-")" } == [
        etc + "/a.conf configure -", etc + "/b.conf configure -",
      ], "two scripts' changes found together are the phase's")
    scratch.write("etc/c.conf", "c")
    let due = watch.scriptEnded("20-slow", in: .configure, durationNanoseconds: 60_000_000_000)
    #expect(due.map(\.script) == ["20-slow"])
  }

  /// A full scan when no script ran since the last boundary (a queue that
  /// overflowed between scripts) attributes what it finds to no script,
  /// and never stops the run.
  @Test func aScanWithNoScriptSinceTheLastBoundaryAttributesToNone() throws {
    _ = scratch.directory("etc")
    var watch = FileChangeWatch(
      settings: FileWatchSettings(scope: WatchScope(paths: [etc], excludes: [])), key: nil, known: .init())
    _ = watch.start(stored: [:], watchedBefore: [])
    scratch.write("etc/late.conf", "x")
    let found = watch.scanBoundary()
    #expect(found.map(\.path) == [etc + "/late.conf"])
    #expect(found.allSatisfy { !$0.byRefresh && $0.script == nil && $0.phase == nil })
  }
}
