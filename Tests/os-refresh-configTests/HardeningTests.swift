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

  // 6
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

  // 10
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
  }

  // 12: a disk that fills and gets room again during the run
  @Test func aRunWhoseDiskFilledAndGotRoomAgainIsRecordedAsItEnded() throws {
    let mount = try fixture.mountDatabaseDisk(size: "256k")
    defer { fixture.unmountDatabaseDisk() }
    for index in 0..<6 {
      base.script("configure.d/\(10 + index)-big", "head -c 61440 /dev/urandom | od -An -v -tx1 | head -c 61440")
    }
    base.script("configure.d/50-makes-room", "mount -o remount,size=16m \(mount)")
    base.script("configure.d/60-after", "echo after")
    let result = fixture.refresh(["--max-output", "65536"])
    #expect(result.status == 0)
    #expect(result.stderrLines.filter { $0.contains("[WARNING]") }.count == 1, "\(result.stderr)")
    #expect(fixture.refresh().status == 0)
    let statuses = try fixture.statuses()
    #expect(statuses == [.success, .success], "the first run ended well and is never called abandoned")
    let first = try fixture.show("1")
    #expect(first.scripts.last?.name == "60-after")
    #expect(first.scripts.last?.status == .success)
    #expect(first.failedScript == nil)
  }

  // 12: a running run has no failed script
  @Test func aRunningScriptIsNotShownAsFailed() throws {
    base.script("configure.d/10-waits", "touch \(scratch.url("ready")); sleep 30")
    let running = fixture.startRefresh()
    defer {
      running.signal(SIGTERM)
      _ = running.wait(atMost: 30)
    }
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    let listed = try fixture.runs()
    #expect(listed.first?.status == .running)
    #expect(listed.first?.failedScript == nil)
    #expect(listed.first?.failedPhase == nil)
    let line = fixture.history([]).stdoutText.split(separator: "\n").last.map(String.init) ?? ""
    #expect(line.hasSuffix("running  1/1"), "nothing in FAILED: \(line)")
  }

  // 12: show reads a running run in one snapshot
  @Test func showOfARunningRunIsOneSnapshot() throws {
    for index in 0..<400 { base.script("configure.d/\(1000 + index)-step", "exit 0") }
    base.script("configure.d/0999-started", "touch \(scratch.url("started"))")
    var disagreements: [String] = []
    let (result, reads) = try fixture.whileRefreshing(rounds: 400) {
      let shown = try fixture.show()
      let listed = shown.phases.filter { $0.name != .error }.flatMap(\.scripts).count
      if listed != shown.scriptsRun { disagreements.append("scripts_run \(shown.scriptsRun), listed \(listed)") }
    }
    #expect(result.status == 0)
    #expect(reads >= 5)
    #expect(disagreements == [])
  }

  // 12: what --redact takes, and what an error quotes
  @Test func redactionRefusesEmptyMatchesAndErrorsNeverEchoRawBytes() throws {
    base.script("configure.d/10-ok", "echo ok")
    for expression in ["", "a*", "x?"] {
      let result = fixture.refresh(["--redact", expression])
      #expect(result.status == 1, "'\(expression)'")
      #expect(
        result.stderrLines == [
          "os-refresh-config: error: invalid --redact expression '\(expression)': it matches the empty string"
        ])
    }
    try Data([0x28, 0x1B, 0x5D, 0x30, 0x3B, 0x07, 0x9B, 0x0A]).write(to: URL(fileURLWithPath: scratch.url("binary")))
    let binary = fixture.refresh(["--redact-file", scratch.url("binary")])
    #expect(binary.status == 1)
    #expect(binary.stderrLines.count == 1)
    #expect(!binary.stderr.utf8.contains(0x1B) && !binary.stderr.utf8.contains(0x07))
    #expect(binary.stderr.contains("\\x1b"), "\(binary.stderr)")
  }

  // 12: a reader who may not enter the directory is told so
  @Test func aReaderWithoutPermissionIsToldSo() throws {
    base.script("configure.d/10-ok", "echo ok")
    #expect(fixture.refresh().status == 0)
    let result = runCommand(
      "/usr/bin/setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.ours, "history", "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
    #expect(result.status == 1)
    #expect(
      result.stderrLines == [
        "os-refresh-config: error: cannot read the history at \(fixture.database): Permission denied"
      ])
  }

  // 9
  @Test func aChangedMetadataFileOver16MiBIsHashedAndReportedChanged() throws {
    base.script("configure.d/10-ok", "echo ok")
    let big = scratch.url("big.json")
    func write(_ value: String) throws {
      let padding = String(repeating: "x", count: 17 << 20)
      try Data("{\"padding\": \"\(padding)\", \"value\": \"\(value)\"}".utf8).write(to: URL(fileURLWithPath: big))
    }
    try write("first")
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": big]).status == 0)
    try write("second")
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": big]).status == 0)
    let input = try #require(try fixture.show().inputs.first)
    #expect(input.sha256?.count == 64)
    #expect(input.error == "content not kept: larger than 16777216 bytes")
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", fixture.database], environment: Binaries.environment(database: fixture.database))
    #expect(diff.status == 0)
    #expect(!diff.stdoutText.contains("Nothing changed."), "\(diff.stdoutText)")
    #expect(diff.stdoutText.contains("changed  \(big)  (content not kept: digest compared)"), "\(diff.stdoutText)")
  }

  // 11
  @Test func aRunInAnotherPIDNamespaceIsNeverJudgedDeadFromThisOne() throws {
    base.script("configure.d/10-ok", "true")
    #expect(fixture.refresh().status == 0)
    base.script("configure.d/20-waits", "touch \(scratch.url("ready")); sleep 30")
    let arguments = ["--base-dir", base.path, "--lockfile", fixture.lock, "--db", fixture.database]
    let contained = RunningCommand(
      "/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "--kill-child", Binaries.ours] + arguments,
      environment: Binaries.environment(database: fixture.database))
    defer {
      contained.signal(SIGKILL)
      _ = contained.wait(atMost: 20)
    }
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    // From the host, the contained run's pid (1 in its namespace) names init.
    #expect(try fixture.statuses() == [.running, .success])
    let pruned = fixture.history(["prune", "--keep-runs", "1"])
    #expect(pruned.status == 0)
    #expect(try fixture.statuses().first == .running, "a running run is never pruned")
  }

  // 7
  @Test func damageInsideTheDatabaseIsFoundAndMovedAside() throws {
    base.script("configure.d/10-ok", "echo ok")
    for _ in 0..<2 { #expect(fixture.refresh().status == 0) }
    // Overwrite the root page of the scripts table; the header and the runs
    // table stay sound, so opening finds nothing wrong.
    let probe = runCommand(
      "/usr/bin/python3",
      [
        "-c",
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
          + "print(c.execute(\"SELECT rootpage FROM sqlite_master WHERE name = 'scripts'\").fetchone()[0], "
          + "c.execute('PRAGMA page_size').fetchone()[0])",
        fixture.database,
      ], environment: ["PATH": "/usr/bin:/bin"])
    let numbers = probe.stdoutText.split(separator: " ").compactMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    try #require(numbers.count == 2, "\(probe.stdoutText) \(probe.stderr)")
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.database))
    try file.seek(toOffset: UInt64((numbers[0] - 1) * numbers[1]))
    try file.write(contentsOf: Data(repeating: 0xA5, count: numbers[1]))
    try file.close()

    let damaged = fixture.refresh()
    #expect(damaged.status == 0)
    #expect(damaged.stdoutText == "ok\n")
    let found = damaged.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(found.count == 1 && found.first?.contains("recording stopped") == true, "\(damaged.stderr)")
    #expect(scratch.exists("db/history.sqlite.needs-check"))

    let next = fixture.refresh()
    #expect(next.status == 0)
    let moved = next.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(moved.count == 1 && moved.first?.contains("was corrupt") == true, "\(next.stderr)")
    #expect(!scratch.exists("db/history.sqlite.needs-check"))
    #expect(try fixture.integrity() == "ok")
    #expect(try fixture.statuses() == [.success])
    let aside = try FileManager.default.contentsOfDirectory(atPath: scratch.url("db")).filter {
      $0.hasPrefix("history.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm")
    }
    #expect(aside.count == 1)
  }

  // 3
  @Test func redactionIsBoundedAndASignalDuringItEndsTheRunWithinTheGracePeriod() throws {
    base.script(
      "configure.d/10-prints",
      "head -c 16777216 /dev/zero | tr '\\0' a; touch \(scratch.url("printed")); sleep 30")
    base.script("configure.d/20-never", "touch \(scratch.url("never"))")
    let refused = fixture.refresh(["--redact", "(a*)*\\1b"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("back-references (\\1) cannot be matched in linear time"), "\(refused.stderr)")

    let run = fixture.startRefresh(["--redact", "(a|aa)*b", "--max-output", "16777216"])
    #expect(waitUntil(seconds: 30) { scratch.exists("printed") })
    let signalled = Date()
    run.signal(SIGTERM)
    let result = run.wait(atMost: 30)
    #expect(result.status == 128 + SIGTERM)
    // About 8 s alone (the redaction's 2^24-step bound on 32 MiB), twice that
    // beside the rest of the suite on 2 cores; an unbounded match would take
    // hours.
    #expect(Date().timeIntervalSince(signalled) < 25, "within the grace period and the redaction's bound")
    #expect(!scratch.exists("never"))
  }
}
