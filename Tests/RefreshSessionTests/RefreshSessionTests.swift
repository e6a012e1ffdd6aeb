import Foundation
import RefreshRunner
import RefreshSession
import RefreshVocabulary
import SystemInterface
import TestSupport
import Testing

/// A refresh from start to end, in the test process: what the lock, the
/// history and the dry run decide before anything runs, observed through an
/// event log beside the session's own observers.
@Suite struct RefreshSessionTests {
  let history = RecordedHistory()
  var base: TemporaryDirectory { history.base }
  var scratch: TemporaryDirectory { history.scratch }

  @Test func aFailingRunIsObservedRecordedAndEndsAsAFailure() throws {
    base.script("configure.d/10-ok", "exit 0")
    base.script("configure.d/20-fails", "exit 4")
    base.script("error.d/10-handler", "touch \(scratch.url("handled"))")
    let log = EventLog()
    #expect(try history.refresh(log: log) == .failure)
    #expect(log.events.first == .runWillStart)
    #expect(log.events.last == .runDidFinish(.failed, .failure))
    #expect(scratch.exists("handled"))
    let run = try history.run()
    #expect(run.summary.status == .failed)
    #expect(run.summary.exitCode == 1)
    #expect(run.summary.failedScript == "20-fails")
    #expect(run.summary.failedExitCode == 4)
  }

  @Test func aHeldLockEndsTheRefreshBeforeAnythingRunsOrIsRecorded() throws {
    base.script("configure.d/10-marks", "touch \(scratch.url("ran"))")
    let held = try RunLock.acquire(path: history.lock)
    defer { held.release() }
    let log = EventLog()
    #expect(try history.refresh(log: log) == .lockHeld(errno: EWOULDBLOCK))
    #expect(log.events.isEmpty)
    #expect(!scratch.exists("ran"))
    #expect(!FileManager.default.fileExists(atPath: history.database), "nothing recorded")
  }

  @Test func requireHistoryRunsNothingWhenTheHistoryCannotBeOpened() throws {
    base.script("configure.d/10-marks", "touch \(scratch.url("ran"))")
    scratch.write("not-a-directory", "x")
    let log = EventLog()
    let status = try history.refresh(log: log) {
      $0.databasePath = scratch.url("not-a-directory/history.sqlite")
      $0.requireHistory = true
    }
    #expect(status == .failure)
    #expect(log.events.isEmpty)
    #expect(!scratch.exists("ran"))
  }

  @Test func withoutRequireHistoryAnUnusableHistoryCostsTheRefreshNothing() throws {
    base.script("configure.d/10-marks", "touch \(scratch.url("ran"))")
    scratch.write("not-a-directory", "x")
    let log = EventLog()
    let status = try history.refresh(log: log) { $0.databasePath = scratch.url("not-a-directory/history.sqlite") }
    #expect(status == .success)
    #expect(log.events.last == .runDidFinish(.success, .success))
    #expect(scratch.exists("ran"))
  }

  @Test func aDryRunListsWhatWouldRunAndRunsAndLocksNothing() throws {
    base.script("configure.d/10-marks", "touch \(scratch.url("ran"))")
    base.script("post-configure.d/10-restart", "exit 0")
    let listing = try FileDescriptor.open(
      scratch.url("listing"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
    let held = try RunLock.acquire(path: history.lock)
    defer { held.release() }
    let log = EventLog()
    let status = try history.refresh(log: log, standardOutput: listing.rawValue) { $0.dryRun = true }
    #expect(status == .success, "a dry run takes no lock, so a held one does not matter")
    #expect(log.events.isEmpty)
    #expect(!scratch.exists("ran"))
    #expect(!FileManager.default.fileExists(atPath: history.database))
    #expect(
      scratch.read("listing")
        == """
        environment.d: (no files)
        pre-configure: (no directory)
        configure:
          \(base.path)/configure.d/10-marks
        post-configure:
          \(base.path)/post-configure.d/10-restart
        migration: (no directory)
        error: (no directory)

        """)
  }
}
