import Foundation
import TestSupport
import Testing

/// One refresh records in a history at a time, whatever `--lockfile` each
/// was given, and a pending log that is not ours never costs a run its record.
@Suite struct HistoryLockTests {
  let fixture = HistoryFixture()

  /// Two refreshes with different lock files on one history: the second is
  /// refused as a held run lock is (exit 11, the holder named), runs no
  /// script, and the first is recorded whole.
  @Test func aSecondRefreshOnTheSameHistoryIsRefusedWhateverItsLockFile() throws {
    fixture.base.script(
      "configure.d/10-wait",
      """
      touch \(fixture.scratch.url("started-$$"))
      i=0; while [ ! -e \(fixture.scratch.url("go")) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
      """)
    let first = fixture.startRefresh()
    #expect(
      waitUntil(seconds: 30) {
        (try? FileManager.default.contentsOfDirectory(atPath: fixture.scratch.path))?.contains {
          $0.hasPrefix("started-")
        } == true
      })
    let second = runCommand(
      Binaries.ours,
      ["--base-dir", fixture.base.path, "--lockfile", fixture.scratch.url("other.lock"), "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database), seconds: 60)
    #expect(second.status == 11, "\(second.stderr)")
    #expect(second.stderr.contains("Could not lock \(fixture.database).lock. [Errno 11]"), "\(second.stderr)")
    #expect(second.stderr.contains("(held by pid \(first.pid)): another refresh records in this history"))
    let started = try FileManager.default.contentsOfDirectory(atPath: fixture.scratch.path).filter {
      $0.hasPrefix("started-")
    }
    #expect(started.count == 1, "the second refresh ran a script: \(started)")
    _ = fixture.scratch.write("go", "")
    #expect(first.wait().status == 0)
    let runs = try fixture.runs()
    #expect(runs.count == 1 && runs.first?.status == .success && runs.first?.scriptsRun == 1, "\(runs)")
  }

  /// A hard link planted at the pending log: moved aside with one WARNING,
  /// the file it links to left as it was, and the run recorded whole.
  @Test func aHardLinkAtThePendingLogIsSetAsideAndTheRunRecorded() throws {
    fixture.base.script("configure.d/10-ok", "echo ok")
    #expect(fixture.refresh().status == 0)
    let target = fixture.scratch.write("precious", "do not touch\n", mode: 0o600)
    unlink(fixture.database + "-pending")
    #expect(link(target, fixture.database + "-pending") == 0)
    let result = fixture.refresh()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains(
        "history: \(fixture.database)-pending was not a private file of ours (2 links to it); moved to \(fixture.database)-pending.unsafe-"
      ), "\(result.stderr)")
    #expect(fixture.scratch.read("precious") == "do not touch\n")
    let latest = try fixture.show()
    #expect(latest.summary.id == 2 && latest.summary.status == .success && latest.summary.scriptsRun == 1)
  }

  /// `--require-history` whose run cannot get the pending log stops before
  /// its first phase, and that run is recorded failed with exit 1, not left
  /// to be marked abandoned.
  @Test func aRunStoppedBeforeItsFirstPhaseIsRecordedFailed() throws {
    fixture.base.script("configure.d/10-ok", "touch \(fixture.scratch.url("ran"))")
    #expect(fixture.refresh().status == 0)
    unlink(fixture.scratch.url("ran"))
    let held = StatusTests.HeldLock(fixture.database + "-pending")
    let result = fixture.refresh(["--require-history"])
    held.release()
    #expect(result.status == 1, "\(result.stderr)")
    #expect(!fixture.scratch.exists("ran"))
    let runs = try fixture.runs()
    #expect(runs.map(\.status) == [.failed, .success], "\(runs.map(\.status))")
    #expect(runs.first?.exitCode == 1)
  }
}
