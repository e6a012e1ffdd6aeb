import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// The history under a full disk, damage, permissions and namespaces, and the
/// limits of display and redaction, each through the built binary.
@Suite struct StoreHardeningTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  /// A disk that fills and gets room again during the run
  @Test func aRunWhoseDiskFilledAndGotRoomAgainIsRecordedAsItEnded() throws {
    // Room for the new database (every migration's schema and write-ahead
    // log) and a few scripts' output; 10 of 60 KiB fill it.
    let mount = try fixture.mountDatabaseDisk(size: "512k")
    defer { fixture.unmountDatabaseDisk() }
    for index in 0..<10 {
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

  /// A running run has no failed script
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

  /// `history show` reads a running run in one snapshot. The run waits
  /// halfway (at most 60 s) until five reads are done, so at least five
  /// fall within it however loaded the machine; the rest race its writes.
  @Test func showOfARunningRunIsOneSnapshot() throws {
    for index in 0..<400 { base.script("configure.d/\(1000 + index)-step", "exit 0") }
    base.script("configure.d/0999-started", "touch \(scratch.url("started"))")
    let go = scratch.url("go")
    base.script("configure.d/1200-gate", "i=0; while [ ! -e \(go) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done")
    var disagreements: [String] = []
    var done = 0
    let (result, reads) = try fixture.whileRefreshing(rounds: 400) {
      let shown = try fixture.show()
      let listed = shown.phases.filter { $0.name != .error }.flatMap(\.scripts).count
      if listed != shown.scriptsRun { disagreements.append("scripts_run \(shown.scriptsRun), listed \(listed)") }
      done += 1
      if done == 5 { scratch.write("go", "") }
    }
    #expect(result.status == 0)
    #expect(reads >= 5)
    #expect(disagreements == [])
  }

  /// What --redact takes, and what an error quotes
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

  /// A reader who may not enter the directory is told so
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
    #expect(input.sha256 == nil && input.hmacSha256?.count == 64, "not kept, so it may hold secrets: keyed")
    #expect(input.error == "content not kept: larger than 16777216 bytes")
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", fixture.database], environment: Binaries.environment(database: fixture.database))
    #expect(diff.status == 0)
    #expect(!diff.stdoutText.contains("Nothing changed."), "\(diff.stdoutText)")
    #expect(diff.stdoutText.contains("changed  \(big)  (content not kept: digest compared)"), "\(diff.stdoutText)")
  }

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
        && !$0.hasSuffix("-pending")
    }
    #expect(aside.count == 1)
    // The damaged run's records the database never took are not lost, and
    // the warning says where they are.
    let pending = scratch.url("db/\(aside.first ?? "")-pending")
    #expect(
      moved.first?.hasSuffix("the records it had not taken yet are kept beside it in \(pending), not in the new one")
        == true, "\(next.stderr)")
    let kept = (try? FileManager.default.attributesOfItem(atPath: pending)[.size] as? Int) ?? 0
    #expect(kept > 0, "the pending records were kept")
  }

  /// The redaction of a script's large output gives up as soon as the run
  /// must stop (the termination notice is asked between bounded slices of
  /// its work), hiding what it had not searched: the run ends as a signal
  /// asks, however slow the build or loaded the machine.
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
    run.signal(SIGTERM)
    // The harness's bound, not the claim: the claim is the stored output.
    let result = run.wait(atMost: 60)
    #expect(result.status == 128 + SIGTERM)
    #expect(!scratch.exists("never"))
    // The signal was read before the redaction began, so it searched
    // nothing: the whole output is hidden (failing closed), not 2^24 steps of
    // search (20 s in a debug build) before the run could end.
    let output = fixture.history(["output", "1", "configure/10-prints"])
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdoutText == "<redacted>", "\(output.stdoutText.prefix(80))")
  }
}

extension StoreHardeningTests {
  /// After a crash, or for forensics, the history's filesystem may be
  /// mounted read-only: history and diff still answer, from the file as it is.
  @Test func aHistoryOnAReadOnlyFilesystemIsStillRead() throws {
    let mount = try fixture.mountDatabaseDisk(size: "16m")
    defer { fixture.unmountDatabaseDisk() }
    base.script("configure.d/10-a", "echo one")
    #expect(fixture.refresh().status == 0)
    base.script("configure.d/10-a", "echo two; exit 3")
    #expect(fixture.refresh().status == 1)
    let remounted = runCommand("/bin/mount", ["-o", "remount,ro", mount], environment: [:])
    try #require(remounted.status == 0, "\(remounted.stderr)")
    let list = fixture.history([])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.stderr == "")
    #expect(list.stdoutText.split(separator: "\n").count == 3, "a header and two runs:\n\(list.stdoutText)")
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", fixture.database], environment: Binaries.environment(database: fixture.database))
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(
      diff.stdoutText.contains("configure/10-a  content changed, success -> failed (exit 3)"), "\(diff.stdoutText)")
    #expect(fixture.history(["output", "2", "configure/10-a"]).stdoutText == "two\n")
  }
}
