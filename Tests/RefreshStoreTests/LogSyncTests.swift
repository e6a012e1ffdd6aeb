import Foundation
import Synchronization
import SystemInterface
import TestSupport
import Testing

@testable import RefreshStore

/// The sync thread: commits become durable only when fdatasync says so; a
/// failed sync is kept and reported, never counted as durable.
@Suite struct LogSyncTests {
  let folder = TemporaryDirectory("orc-logsync")
  var path: String { folder.url("db/history.sqlite") }

  /// A database with a write-ahead log to sync.
  func database() throws -> HistoryStore {
    let store = try HistoryStore.openForRecording(at: path, now: 0).store
    _ = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "h", pid: 1, bootID: "boot", processStart: 1, version: "test",
        commandLine: [], plannedScripts: 0, inputs: []))
    return store
  }

  /// A sync thread whose fdatasyncs are real and counted in `synced`.
  func countingSync(_ synced: Counter) throws -> LogSync {
    try #require(
      LogSync(files: HistoryFiles(database: path), alsoSyncing: nil) { descriptor in
        synced.add()
        return fdatasync(descriptor)
      })
  }

  @Test func commitsBecomeDurableWhenTheSyncSucceeds() throws {
    let store = try database()
    let synced = Counter()
    let sync = try countingSync(synced)
    sync.noteCommit(durable: false)
    #expect(waitUntil(seconds: 10) { sync.pendingCommits == 0 })
    sync.stop()
    #expect(synced.value >= 1)
    #expect(sync.syncFailure == nil)
    _ = store
  }

  /// Held (a durable commit is about to cover it), the thread syncs nothing
  /// on its timer; a durable commit noted meanwhile leaves nothing for
  /// stop() to sync; a commit it did not cover, stop() still syncs.
  @Test func heldTheTimerWaitsForTheDurableCommitAndStopSyncsTheRest() throws {
    for coveredByADurableCommit in [true, false] {
      let store = try database()
      let synced = Counter()
      let sync = try countingSync(synced)
      sync.hold()
      sync.noteCommit(durable: false)
      // Three timer ticks pass with nothing synced (counted, not timed).
      let ticks = sync.ticks
      #expect(waitUntil(seconds: 10) { sync.ticks >= ticks + 3 })
      #expect(synced.value == 0 && sync.pendingCommits == 1)
      if coveredByADurableCommit { sync.noteCommit(durable: true) }
      sync.stop()
      #expect(synced.value == (coveredByADurableCommit ? 0 : 1))
      #expect(sync.pendingCommits == 0)
      _ = store
    }
  }

  /// Writes to the pending log alone are made durable by syncing the log:
  /// the WAL is synced only once the database itself was committed to.
  @Test func pendingWritesSyncTheLogAndLeaveTheWALToTheKernel() throws {
    let store = try database()
    let pending = try FileDescriptor.open(folder.url("db/pending"), O_RDWR | O_CREAT, mode: 0o600)
    let syncs = Mutex<[Int32]>([])
    let sync = try #require(
      LogSync(files: HistoryFiles(database: path), alsoSyncing: pending) { descriptor in
        syncs.withLock { $0.append(descriptor) }
        return fdatasync(descriptor)
      })
    sync.notePendingWrite()
    #expect(waitUntil(seconds: 10) { sync.pendingCommits == 0 })
    #expect(syncs.withLock { $0 } == [pending.rawValue], "the log alone")
    sync.noteCommit(durable: false)
    #expect(waitUntil(seconds: 10) { sync.pendingCommits == 0 })
    sync.stop()
    let all = syncs.withLock { $0 }
    #expect(all.count == 3 && all[1] == pending.rawValue && all[2] != pending.rawValue, "then the log and the WAL")
    _ = store
  }

  /// At a run's end the runner asks for a checkpoint: once the WAL has
  /// passed 4 MiB (the writer thread's stream of file changes), the sync
  /// thread folds it into the database, held or not; a smaller WAL is left
  /// to the run's own last checkpoint.
  @Test func anAskedCheckpointFoldsALargeWALIntoTheDatabaseOnTheSyncThread() throws {
    let store = try database()
    let sync = try #require(LogSync(files: HistoryFiles(database: path), alsoSyncing: nil))
    sync.hold()
    // Handled by the second iteration after the request, at the latest.
    func askAndWait() {
      let ticks = sync.ticks
      sync.checkpointSoon()
      #expect(waitUntil(seconds: 30) { sync.ticks >= ticks + 2 })
    }
    askAndWait()
    #expect(sync.checkpoints == 0, "a small WAL is left alone")
    try store.database.execute(
      "PRAGMA wal_autocheckpoint = 0; CREATE TABLE test_bulk (b); INSERT INTO test_bulk VALUES (randomblob(6000000))")
    func size(_ file: String) -> Int {
      var info = stat()
      return stat(file, &info) == 0 ? Int(info.st_size) : 0
    }
    #expect(size(path + "-wal") > LogSync.checkpointBytes)
    #expect(size(path) < 1 << 20)
    askAndWait()
    #expect(sync.checkpoints == 1)
    #expect(size(path) > 6_000_000, "the WAL's pages are in the database")
    sync.stop()
  }

  @Test func aFailedSyncKeepsTheCommitsPendingAndSaysWhy() throws {
    let store = try database()
    let sync = try #require(
      LogSync(files: HistoryFiles(database: path), alsoSyncing: nil) { _ in
        errno = EIO
        return -1
      })
    sync.noteCommit(durable: false)
    #expect(waitUntil(seconds: 10) { sync.syncFailure != nil })
    sync.stop()
    #expect(sync.syncFailure?.code == EIO)
    #expect(sync.pendingCommits == 1, "a failed sync is not a sync")
    _ = store
  }
}

/// A count shared with the sync thread.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func add() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
