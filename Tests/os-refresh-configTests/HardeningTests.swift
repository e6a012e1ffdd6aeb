import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// The cases of the hardening issue, each through the built binary: what an
/// adversarial pass found, and what now happens instead.
@Suite struct HardeningTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  /// Pids a test's scripts wrote to `name`, one per line.
  func pids(_ name: String) -> [pid_t] {
    (scratch.read(name) ?? "").split(separator: "\n").compactMap { pid_t($0) }
  }

  func killAll(_ name: String) {
    for pid in pids(name) { kill(pid, SIGKILL) }
  }

  // 2
  @Test func aWritingDaemonOutlivesTheRefreshAndKeepsWritingWhereOursWent() throws {
    base.script(
      "configure.d/10-starts-daemon",
      "nohup bash -c 'while true; do echo tick; sleep 0.2; done' & echo $! > \(scratch.url("daemon")); echo started")
    defer { killAll("daemon") }
    let command = fixture.startRefresh()
    let result = command.wait(atMost: 30)
    #expect(result.status == 0, "\(result.stderr)")
    let daemon = try #require(pids("daemon").first)
    let output = command.outputPath
    let atExit = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    // Five seconds after we exited, the daemon is alive and still writing
    // to the file our stdout went to.
    let deadline = Date().addingTimeInterval(5)
    #expect(!waitUntil(seconds: 5) { kill(daemon, 0) != 0 }, "the daemon died after the refresh exited")
    #expect(Date() >= deadline)
    let later = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    #expect(later.hasPrefix("started\n") || later.contains("started\n"))
    let ticksAfterExit = later.components(separatedBy: "tick\n").count - atExit.components(separatedBy: "tick\n").count
    #expect(ticksAfterExit >= 15, "\(ticksAfterExit) ticks in the 5 s after exit")
  }

  // 8
  @Test func scriptsLeavingProcessesOnTheirOutputNeverExhaustDescriptors() throws {
    for index in 0..<100 {
      base.script("configure.d/\(1000 + index)-leaves", "sleep 30 & echo $! >> \(scratch.url("left"))")
    }
    base.script("configure.d/2000-limit", "ulimit -n > \(scratch.url("limit"))")
    defer { killAll("left") }
    let arguments = ["--base-dir", base.path, "--lockfile", fixture.lock, "--db", fixture.database]
    let result = runCommand(
      "/bin/bash", ["-c", "ulimit -Sn 64; exec \"$0\" \"$@\"", Binaries.ours] + arguments,
      environment: Binaries.environment(database: fixture.database), seconds: 120)
    #expect(result.status == 0, "\(result.stderr.suffix(400))")
    #expect(!result.stderr.contains("Too many open files"))
    #expect(pids("left").count == 100)
    #expect(scratch.read("limit") == "64\n", "scripts get the limit we were started with")
    #expect(try fixture.show().scripts.allSatisfy { $0.status == .success })
  }

  // 4
  @Test func aFIFOAmongTheInputsIsRecordedAsAnErrorAndHangsNothing() throws {
    base.script("configure.d/10-ok", "echo ok")
    #expect(mkfifo(scratch.url("fifo"), 0o644) == 0)
    let started = Date()
    let result = fixture.refresh(environment: ["OS_CONFIG_FILES": scratch.url("fifo")], seconds: 20)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Date().timeIntervalSince(started) < 10)
    let input = try #require(try fixture.show().inputs.first)
    #expect(input.sha256 == nil)
    #expect(input.error == "not a regular file")

    let redactFile = fixture.refresh(["--redact-file", scratch.url("fifo")], seconds: 20)
    #expect(redactFile.status == 1)
    #expect(redactFile.stderrLines == ["os-refresh-config: error: cannot read --redact-file \(scratch.url("fifo"))"])
    let version = runCommand(
      Binaries.ours, ["--version", "--db", scratch.url("fifo")],
      environment: Binaries.environment(database: fixture.database), seconds: 20)
    #expect(version.status == 0)
    #expect(version.stdoutText.contains("\(scratch.url("fifo")): unreadable ("))
  }

  /// Makes `path` belong to the attacker (uid and gid 65534), without following a symlink.
  func plantedByAnotherUser(_ path: String) {
    #expect(lchown(path, 65534, 65534) == 0, "chown needs root")
  }

  func expectRefused(
    _ result: CommandResult, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(result.status == 0, "the refresh goes on: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdoutText == "ok\n", sourceLocation: sourceLocation)
    let warnings = result.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(warnings.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(warnings.first?.contains(reason) == true, "\(warnings)", sourceLocation: sourceLocation)
  }

  // 5
  @Test func aDatabasePathAnotherUserPlantedIsRefused() throws {
    base.script("configure.d/10-ok", "echo ok")
    // A dangling symlink in a directory everyone may write to (as /tmp).
    let shared = scratch.directory("shared")
    chmod(shared, 0o1777)
    #expect(symlink(scratch.url("chosen.sqlite"), scratch.url("shared/history.sqlite")) == 0)
    plantedByAnotherUser(scratch.url("shared/history.sqlite"))
    expectRefused(
      fixture.refresh(["--db", scratch.url("shared/history.sqlite")]), "the directory is writable by others")
    #expect(!scratch.exists("chosen.sqlite"))

    // A file of theirs, mode 0666, in a directory of ours.
    scratch.directory("ours")
    scratch.write("ours/history.sqlite", "theirs", mode: 0o666)
    plantedByAnotherUser(scratch.url("ours/history.sqlite"))
    expectRefused(fixture.refresh(["--db", scratch.url("ours/history.sqlite")]), "the file belongs to uid 65534")
    #expect(scratch.read("ours/history.sqlite") == "theirs")

    // A directory of theirs.
    scratch.directory("theirs")
    plantedByAnotherUser(scratch.url("theirs"))
    expectRefused(
      fixture.refresh(["--db", scratch.url("theirs/history.sqlite")]), "the directory belongs to uid 65534")
    #expect(!scratch.exists("theirs/history.sqlite"))

    // A symlink to a file of root's, which must not be overwritten.
    scratch.write("ours/precious", "")
    #expect(symlink(scratch.url("ours/precious"), scratch.url("ours/linked.sqlite")) == 0)
    expectRefused(fixture.refresh(["--db", scratch.url("ours/linked.sqlite")]), "a symbolic link")
    #expect(scratch.read("ours/precious") == "")
  }

  @Test func anExistingDatabaseIsTightenedAndPathsAreNeverURIs() throws {
    base.script("configure.d/10-ok", "echo ok")
    #expect(fixture.refresh().status == 0)
    for suffix in ["", "-wal", "-shm"] where scratch.exists("db/history.sqlite" + suffix) {
      chmod(fixture.database + suffix, 0o644)
    }
    #expect(fixture.refresh().status == 0)
    var info = stat()
    for suffix in ["", "-wal", "-shm"] where stat(fixture.database + suffix, &info) == 0 {
      #expect(info.st_mode & 0o777 == 0o600, "history.sqlite\(suffix)")
    }

    let uri = "file:\(scratch.url("uri.sqlite"))?mode=rwc"
    expectRefused(fixture.refresh(["--db", uri]), "a URI")
    #expect(!scratch.exists("uri.sqlite"))
    for name in ["", ":memory:"] {
      expectRefused(fixture.refresh(["--db", name]), "keeps nothing")
    }
  }

  @Test func theLockFileIsNeverFollowedThroughASymlinkAndIsPrivate() throws {
    base.script("configure.d/10-ok", "echo ok")
    scratch.write("precious", "keep me")
    #expect(symlink(scratch.url("precious"), scratch.url("planted.lock")) == 0)
    plantedByAnotherUser(scratch.url("planted.lock"))
    let refused = fixture.refresh(["--lockfile", scratch.url("planted.lock")])
    #expect(refused.status == 1)
    #expect(refused.stdoutText == "")
    #expect(scratch.read("precious") == "keep me")
    #expect(fixture.refresh(["--lockfile", scratch.url("fresh.lock")]).status == 0)
    var info = stat()
    #expect(stat(scratch.url("fresh.lock"), &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
  }
}
