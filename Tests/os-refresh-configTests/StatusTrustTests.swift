import Foundation
import RefreshStore
import TestSupport
import Testing

/// `status` where what it reads cannot be trusted whole: a lock held by
/// something that is not a refresh, a history it cannot read.
@Suite struct StatusTrustTests {
  let fixture = HistoryFixture()

  func status(_ arguments: [String] = [], database: String? = nil) -> CommandResult {
    let database = database ?? fixture.database
    return runCommand(
      Binaries.ours, ["status", "--db", database, "--lockfile", fixture.lock] + arguments,
      environment: Binaries.environment(database: database), seconds: 30)
  }

  /// A refresh whose one script waits for `go` (bounded) once it has said `started`.
  func startWaitingRefresh() -> RunningCommand {
    fixture.base.script(
      "configure.d/10-wait",
      """
      touch \(fixture.scratch.url("started"))
      i=0; while [ ! -e \(fixture.scratch.url("go")) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
      """)
    let refresh = fixture.startRefresh()
    #expect(waitUntil(seconds: 30) { fixture.scratch.exists("started") })
    return refresh
  }

  /// `flock LOCKFILE sleep`, or this test process, holding the lock is not a
  /// refresh: said so, and the exit status follows the last run.
  @Test func aLockHeldByAnythingButARefreshIsSaidSo() throws {
    fixture.base.script("configure.d/10-ok", "exit 0")
    #expect(fixture.refresh().status == 0)
    let held = StatusTests.HeldLock(fixture.lock)
    defer { held.release() }
    let result = status()
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdoutText.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(result.stdoutText)")
    #expect(lines.first?.hasPrefix("Not running. Last run 1: success") == true, "\(lines)")
    #expect(lines.last?.hasPrefix("The lock is held by pid \(getpid()) (") == true, "\(lines)")
    #expect(lines.last?.hasSuffix("), not a refresh.") == true, "\(lines)")
    let json = try JSONContract.decode(JSONContract.Status.self, from: status(["--json"]).stdout)
    #expect(!json.running && json.pid == nil && json.lockHolder?.pid == Int64(getpid()))
    #expect(json.historyError == nil)
  }

  /// A file that is not a history: exit 4, one line, and the refresh that
  /// runs still shown from the lock and /proc.
  @Test func anUnreadableHistoryExits4AndStillShowsTheRunningRefresh() throws {
    let bad = fixture.scratch.url("bad/history.sqlite")
    fixture.scratch.directory("bad")
    chmod(fixture.scratch.url("bad"), 0o700)
    fixture.scratch.write("bad/history.sqlite", String(repeating: "not a database\n", count: 300), mode: 0o600)
    let idle = status(database: bad)
    #expect(idle.status == 4, "\(idle.stdoutText) \(idle.stderr)")
    #expect(
      idle.stdoutText
        == "Not running (as the lock tells). The history \(bad) cannot be read: "
        + "SQLite error 26 (file is not a database): file is not a database.\n", "\(idle.stdoutText)")
    let refresh = startWaitingRefresh()
    let running = status(database: bad)
    #expect(running.status == 4)
    let lines = running.stdoutText.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("Running: pid \(refresh.pid): ") == true, "\(running.stdoutText)")
    #expect(lines.contains { $0.hasSuffix("; how the last run ended is not known.") }, "\(running.stdoutText)")
    let json = try JSONContract.decode(JSONContract.Status.self, from: status(["--json"], database: bad).stdout)
    #expect(json.running && json.pid == Int64(refresh.pid) && json.lastRun == nil)
    #expect(json.historyError?.contains("file is not a database") == true)
    _ = fixture.scratch.write("go", "")
    #expect(refresh.wait().status == 0)
  }

  /// A damaged history whose query fails: exit 4 with the reason in one
  /// short line, never the SQL statement (900 characters) it ran.
  @Test func aDamagedHistorysErrorIsOneShortLine() throws {
    fixture.base.script("configure.d/10-ok", "exit 0")
    #expect(fixture.refresh().status == 0)
    try Database(path: fixture.database).execute("DROP TABLE phases")
    let result = status()
    #expect(result.status == 4, "\(result.stdoutText) \(result.stderr)")
    let lines = result.stdoutText.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].count < 400, "\(result.stdoutText)")
    #expect(result.stdoutText.contains("no such table: phases") && !result.stdoutText.contains("SELECT"))
  }
}
