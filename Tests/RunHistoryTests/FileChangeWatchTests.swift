import FileWatch
import Foundation
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunHistory
import SystemInterface
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
  /// last one ran for 100 times what it cost, and at the run's end; never
  /// at a phase's end. What it finds after several scripts is their phase's, or,
  /// across phases, the refresh's.
  @Test func theFallbackScanIsDueWhenTheScriptsSinceTheLastRanAHundredTimesItsCost() throws {
    _ = scratch.directory("etc")
    var watch = FileChangeWatch(
      settings: FileWatchSettings(scope: WatchScope(paths: [etc], excludes: [])), key: nil, known: .init())
    _ = watch.start(stored: [:], watchedBefore: [])
    #expect(watch.watch.method == .fanotify || watch.watcher == nil)
    watch.watcher = nil
    watch.watch.method = .scan
    let summary = { (records: [FileChangeRecord]) in
      records.map { "\($0.path.dropFirst(self.etc.count + 1)) \($0.phase?.rawValue ?? "-") \($0.script ?? "-")" }
    }
    scratch.write("etc/a.conf", "a")
    #expect(watch.scriptEnded("10-fast", in: .configure, durationNanoseconds: 0).isEmpty, "not due yet")
    scratch.write("etc/b.conf", "b")
    #expect(watch.scriptEnded("15-fast", in: .configure, durationNanoseconds: 0).isEmpty, "not due yet")
    #expect(watch.boundary(final: false).isEmpty, "a phase's end: not due yet")
    #expect(
      summary(watch.boundary(final: true)) == ["a.conf configure -", "b.conf configure -"],
      "two scripts' changes found together are the phase's")
    scratch.write("etc/c.conf", "c")
    _ = watch.scriptEnded("20-fast", in: .configure, durationNanoseconds: 0)
    scratch.write("etc/d.conf", "d")
    _ = watch.scriptEnded("30-fast", in: .postConfigure, durationNanoseconds: 0)
    let across = watch.boundary(final: true)
    #expect(summary(across) == ["c.conf - -", "d.conf - -"], "found across phases: the refresh's")
    #expect(across.allSatisfy { $0.byRefresh })
    scratch.write("etc/e.conf", "e")
    let due = watch.scriptEnded("40-slow", in: .postConfigure, durationNanoseconds: 60_000_000_000)
    #expect(summary(due) == ["e.conf post-configure 40-slow"])
    scratch.write("etc/f.conf", "f")
    #expect(watch.scriptEnded("50-fast", in: .migration, durationNanoseconds: 0).isEmpty)
    #expect(watch.boundary(final: false).isEmpty, "never at a phase's end")
    #expect(summary(watch.boundary(final: true)) == ["f.conf migration 50-fast"])
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

  /// With a sink (the journal), a boundary hands its records on 256 at a
  /// time as it makes them and returns the rest: all of them, once, in order.
  @Test func aBoundaryHandsItsRecordsToTheSinkInChunks() throws {
    _ = scratch.directory("etc")
    var watch = FileChangeWatch(
      settings: FileWatchSettings(scope: WatchScope(paths: [etc], excludes: [])), key: nil, known: .init())
    _ = watch.start(stored: [:], watchedBefore: [])
    watch.watcher = nil
    final class Chunks { var records: [[FileChangeRecord]] = [] }
    let chunks = Chunks()
    watch.sink = { chunks.records.append($0) }
    for index in 0..<600 { scratch.write(String(format: "etc/f%03d.conf", index), "x") }
    #expect(watch.scriptEnded("10-many", in: .configure, durationNanoseconds: 0).isEmpty, "not due yet")
    let rest = watch.boundary(final: true)
    #expect(chunks.records.map(\.count) == [256, 256])
    #expect(rest.count == 88)
    let paths = (chunks.records.flatMap { $0 } + rest).map(\.path)
    #expect(paths == (0..<600).map { String(format: "\(etc)/f%03d.conf", $0) })
  }

  /// A directory the kernel refuses to mark: the record says so and is not
  /// complete, and every boundary from then on scans, finding the changes.
  @Test func aRefusedMarkMakesEveryBoundaryAScan() throws {
    _ = scratch.directory("etc")
    scratch.write("etc/plain.conf", "p")
    var watch = FileChangeWatch(
      settings: FileWatchSettings(scope: WatchScope(paths: [etc], excludes: [])), key: nil, known: .init())
    _ = watch.start(stored: [:], watchedBefore: [])
    let watcher = try #require(watch.watcher)
    // Not a directory: the kernel refuses the mark (ENOTDIR).
    watcher.mark(try FileDescriptor.open(etc + "/plain.conf", O_RDONLY))
    scratch.write("etc/a.conf", "a")
    let first = watch.scriptEnded("10-a", in: .configure, durationNanoseconds: 0)
    #expect(first.map { "\($0.path.dropFirst(etc.count + 1)) \($0.script ?? "-")" } == ["a.conf 10-a"])
    #expect(!watch.watch.complete)
    #expect(watch.watch.incompleteReason?.hasPrefix("a watched directory could not be marked (") == true)
    scratch.write("etc/b.conf", "b")
    #expect(watcher.collect().refusedMark != nil, "said by every collection after")
    let second = watch.scriptEnded("20-b", in: .configure, durationNanoseconds: 0)
    #expect(second.map { "\($0.path.dropFirst(etc.count + 1)) \($0.script ?? "-")" } == ["b.conf 20-b"])
  }

  /// The directory a streamed path is grouped under is the first of the
  /// directories above it, for every shape of path.
  @Test func aPathsParentIsTheFirstDirectoryAboveIt() {
    for path in ["/etc/nova/nova.conf", "/etc/a", "/top", "/a//b", "/a/b/", "relative/x", "none"] {
      #expect(
        FileChangeWatch.parent(of: path).map(String.init) == FileChangeWatch.ancestors(of: path).first { _ in true })
    }
    #expect(FileChangeWatch.parent(of: "/etc/nova/nova.conf") == "/etc/nova")
    #expect(FileChangeWatch.parent(of: "/top") == nil)
  }
}
