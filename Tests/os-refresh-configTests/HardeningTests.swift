import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// What an operator or another user could do to a refresh running as root
/// (planted paths, hostile names and output, signals), each through the built
/// binary, and what happens instead.
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

  /// Holds the database's write lock from another process until killed;
  /// returns once it holds it.
  func holdWriteLock() throws -> RunningCommand {
    let ready = scratch.url("locked")
    let holder = RunningCommand(
      "/usr/bin/python3",
      [
        "-c",
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
          + "c.execute('BEGIN IMMEDIATE'); open(sys.argv[2], 'w').close(); time.sleep(30)",
        fixture.database, ready,
      ], environment: ["PATH": "/usr/bin:/bin"])
    try #require(waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: ready) })
    return holder
  }

  @Test func requireHistoryStopsWhenTheRunOrAScriptCannotBeRecorded() throws {
    base.script("configure.d/10-first", "touch \(scratch.url("first"))")
    base.script("configure.d/20-second", "touch \(scratch.url("second"))")
    base.script("error.d/10-handler", "touch \(scratch.url("handler"))")
    #expect(fixture.refresh(["--require-history"]).status == 0)
    for name in ["first", "second", "handler"] { unlink(scratch.url(name)) }

    // Another process holds the write lock for longer than we wait for it.
    let holder = try holdWriteLock()
    let result = fixture.refresh(["--require-history"], seconds: 30)
    holder.signal(SIGKILL)
    _ = holder.wait(atMost: 10)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(!scratch.exists("first") && !scratch.exists("second") && !scratch.exists("handler"))
    #expect(result.stderrLines.contains { $0.contains("recording is required, so the run stops here") })

    // Without --require-history the same refresh runs unrecorded.
    let holderAgain = try holdWriteLock()
    let relaxed = fixture.refresh([], seconds: 30)
    holderAgain.signal(SIGKILL)
    _ = holderAgain.wait(atMost: 10)
    #expect(relaxed.status == 0)
    #expect(scratch.exists("first") && scratch.exists("second"))

    for name in ["", ":memory:"] {
      let refused = fixture.refresh(["--require-history", "--db", name])
      #expect(refused.status == 1, "--db '\(name)'")
      #expect(refused.stdoutText == "")
    }
  }

  @Test func requireHistoryStopsBeforeAScriptWhoseStartCannotBeRecorded() throws {
    _ = try fixture.mountDatabaseDisk(size: "320k")
    defer { fixture.unmountDatabaseDisk() }
    // Distinct outputs of 60 KiB each fill the 320 KiB disk in a few scripts.
    for index in 0..<8 {
      base.script(
        "configure.d/\(10 + index)-big",
        "touch \(scratch.url("ran-\(index)")); head -c 61440 /dev/urandom | od -An -v -tx1 | head -c 61440")
    }
    base.script("error.d/10-handler", "touch \(scratch.url("handler"))")
    let result = fixture.refresh(["--require-history", "--max-output", "65536"], seconds: 40)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("recording is required, so the run stops here"), "\(result.stderr)")
    #expect(!scratch.exists("ran-7"), "the run stopped before its last script")
    #expect(!scratch.exists("handler"))
  }

  /// Another process holding the database's write lock for the whole run
  /// (a long query, a backup) neither stops nor slows the refresh, even
  /// with --require-history: the records wait in the pending log, and the
  /// next reader adds them.
  @Test func aForeignWriteLockNeitherStopsNorSlowsTheRunAndItsRecordsArriveLater() throws {
    let ready = scratch.url("locked")
    // The first script has another process take the write lock and keep it.
    base.script(
      "configure.d/10-takes-the-lock",
      "python3 -c \"import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        + "c.execute('BEGIN IMMEDIATE'); open(sys.argv[2], 'w').close(); time.sleep(60)\" "
        + "\(fixture.database) \(ready) > /dev/null 2>&1 & echo $! > \(scratch.url("holder")); "
        + "while [ ! -e \(ready) ]; do sleep 0.05; done")
    for index in 0..<20 { base.script("configure.d/\(20 + index)-step", "echo step \(index)") }
    defer { killAll("holder") }
    let started = Date()
    let result = fixture.refresh(["--require-history"], seconds: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdoutText.hasSuffix("step 19\n"))
    #expect(result.stderr.contains("WARNING"), "the database not taking records is said")
    // At most one wait for the lock (the busy timeout, 5 s), at the run's end.
    #expect(Date().timeIntervalSince(started) < 15)
    killAll("holder")
    // The lock goes with the holder; the next reader adds the pending records.
    #expect(
      waitUntil(seconds: 10) {
        fixture.history(["show", "latest", "--json"]).stdoutText.contains(#""status":"success""#)
      })
    let run = try fixture.show()
    #expect(run.status == .success, "the run's end came from the pending log")
    #expect(run.phases.flatMap(\.scripts).filter { $0.name.hasSuffix("-step") }.count == 20)
    #expect(run.phases.flatMap(\.scripts).allSatisfy { $0.status == .success })
  }

  @Test func hugeNumbersAreUsageErrorsNeverCrashes() throws {
    base.script("configure.d/10-ok", "echo ok")
    #expect(fixture.refresh().status == 0)
    let history: [[String]] = [
      ["--since", "999999999w"], ["--since", "106751992d"], ["--since", "999999-1-1"], ["--since", "99999-1-01"],
      ["--since", "2026-11-24T10:00:00+99:99"], ["stats", "--since", "999999999w"],
      ["export", "--since", "106751992d"], ["prune", "--older-than", "999999999w"],
      ["script", "configure/10-ok", "--limit", "9223372036854775807"], ["--limit", "99999999999999999999"],
      ["stats", "--runs", "9223372036854775807"],
    ]
    for arguments in history {
      let result = fixture.history(arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(result.stderrLines.count == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderrLines.first?.hasPrefix("os-refresh-config: error: ") == true, "\(arguments)")
    }
    let refresh: [[String]] = [
      ["--max-output", "34359738368"], ["--timeout", "10000000000"], ["--kill-after", "10000000000"],
      ["--keep-runs", "9223372036854775807"], ["--timeout", "-1"],
    ]
    for arguments in refresh {
      let result = fixture.refresh(arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(result.stderrLines.count == 1, "\(arguments): \(result.stderr)")
      #expect(result.stdoutText == "", "\(arguments): nothing ran")
    }
    #expect(fixture.history(["--since", "100y"]).status == 2)
    #expect(fixture.history(["--since", "5200w"]).status == 0, "100 years back is the limit")
    // A base directory that is not UTF-8 would name another directory once
    // decoded (nothing would run, exit 0): refused, as argument and as variable.
    let notUTF8 = runCommand(
      "/bin/bash",
      ["-c", #"exec "$0" --base-dir "$(printf '/b\377')" --lockfile "$1" --no-history"#, Binaries.ours, fixture.lock],
      environment: Binaries.environment(database: fixture.database))
    #expect(notUTF8.status == 2 && notUTF8.stdoutText == "")
    #expect(
      notUTF8.stderr
        == "os-refresh-config: error: argument 2 is not valid UTF-8 (/b\\xff): paths and options must be UTF-8\n")
    let variable = runCommand(
      "/bin/bash",
      [
        "-c", #"OS_REFRESH_CONFIG_BASE_DIR="$(printf '/b\377')" exec "$0" --lockfile "$1" --no-history"#, Binaries.ours,
        fixture.lock,
      ],
      environment: Binaries.environment(database: fixture.database))
    #expect(variable.status == 1 && variable.stdoutText == "", "\(variable.stderr)")
  }
}

/// Without /proc mounted (a chroot, a rescue system), the Swift runtime sees
/// no arguments: one line, nothing run, never a refresh in place of the
/// subcommand asked for. Needs root (a mount namespace).
@Suite struct WithoutProcTests {
  @Test func withoutProcNothingRunsAndOneLineSaysWhy() throws {
    let scratch = TemporaryDirectory("orc-noproc")
    let base = scratch.directory("base")
    _ = scratch.script("base/configure.d/10-touch", "touch \(scratch.url("ran"))")
    let result = runCommand(
      "/usr/bin/unshare",
      ["-m", "sh", "-c", "umount -l /proc && exec \"$0\" --base-dir \"$1\" --no-history", Binaries.ours, base],
      environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
    #expect(result.status == 1)
    #expect(result.stdoutText == "")
    #expect(
      result.stderr
        == "os-refresh-config: error: cannot read this process's arguments (is /proc mounted?); nothing was run\n")
    #expect(!scratch.exists("ran"))
  }
}
