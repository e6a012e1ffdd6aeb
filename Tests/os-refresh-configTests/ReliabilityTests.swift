import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// What a refresh survives (kills, lost locks, daemons holding pipes, full
/// disks), each shown through the built binary.
@Suite struct ReliabilityTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  /// Runs `script` with bash, ours as `$ORC`, its usual arguments in `$ARGS`.
  func bash(_ script: String, seconds: Double = 120) -> CommandResult {
    runCommand(
      "/bin/bash", ["-c", script],
      environment: Binaries.environment(
        database: fixture.database,
        [
          "ORC": Binaries.ours,
          "ARGS": "--base-dir \(base.path) --lockfile \(fixture.lock) --db \(fixture.database)",
        ]),
      seconds: seconds)
  }

  func file(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  // 1, 2
  @Test func aDaemonHoldingOurOutputNeitherHoldsUpTheRunNorKeepsOurDescriptors() throws {
    base.script(
      "configure.d/10-daemon",
      "echo before; echo err-before >&2; sleep 300 & echo $! > \(scratch.url("daemon")); echo after")
    base.script("configure.d/20-next", "echo next")
    let started = Date()
    let result = fixture.refresh(seconds: 30)
    #expect(Date().timeIntervalSince(started) < 15, "the daemon sleeps 300 s")
    let daemon = try #require(fixture.pid("daemon"))
    defer { kill(daemon, SIGKILL) }
    #expect(result.status == 0)
    #expect(result.stdoutText == "before\nafter\nnext\n")
    #expect(kill(daemon, 0) == 0)
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.status == .success)
    #expect(script.stdout.text == "before\nafter\n")
    #expect(script.stderr.text == "err-before\n")

    let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon)/fd").compactMap {
      try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon)/fd/\($0)")
    }
    #expect(!descriptors.contains { $0.hasPrefix(fixture.lock) || $0.hasPrefix(fixture.database) }, "\(descriptors)")

    let again = Date()
    let second = fixture.refresh(seconds: 30)
    // The second run started a daemon of its own: it must not outlive the test.
    if let another = fixture.pid("daemon"), another != daemon { kill(another, SIGKILL) }
    #expect(second.status == 0, "\(second.stderr)")
    #expect(Date().timeIntervalSince(again) < 15)
  }

  @Test func scriptsReadOurStandardInput() throws {
    base.script("configure.d/10-reads", #"read line; echo "got: $line""#)
    scratch.write("input", "hello from stdin\n")
    let result = bash("$ORC $ARGS < \(scratch.url("input"))")
    #expect(result.status == 0)
    #expect(result.stdoutText == "got: hello from stdin\n")
  }

  @Test func aSecondRefreshAtOnceExitsElevenAndLeavesTheFirstRecordsAlone() throws {
    base.script(
      "configure.d/10-waits", "touch \(scratch.url("ready")); while [ ! -e \(scratch.url("go")) ]; do sleep 0.05; done")
    let first = fixture.startRefresh()
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    let second = fixture.refresh()
    #expect(second.status == 11)
    #expect(second.stdoutText == "")
    #expect(second.stderrLines.count == 1)
    #expect(
      second.stderr.contains(
        "Could not lock \(fixture.lock). [Errno 11] Resource temporarily unavailable (held by pid \(first.pid))"))
    scratch.write("go", "")
    #expect(first.wait(atMost: 20).status == 0)
    #expect(try fixture.statuses() == [.success])
    #expect(try fixture.show().scripts.first?.status == .success)
  }

  @Test func aTimeoutKillsEveryProcessTheScriptStartedAndRecordsIt() throws {
    base.script(
      "configure.d/10-family",
      """
      sleep 30 & echo $! > \(scratch.url("background"))
      setsid sh -c 'echo $$ > \(scratch.url("setsid")); exec sleep 300' &
      (sh -c 'echo $$ > \(scratch.url("orphan")); exec sleep 300' &)
      sleep 300
      """)
    base.script("error.d/10-handler", "echo handled")
    let started = Date()
    let result = fixture.refresh(["--timeout", "2"], seconds: 30)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == 1)
    #expect(result.stdoutText == "handled\n")
    #expect(elapsed >= 2 && elapsed < 15, "took \(elapsed) s; the script sleeps 300 s")
    for name in ["background", "setsid", "orphan"] {
      let pid = try #require(fixture.pid(name), "\(name)")
      // Gone entirely: neither running nor a zombie (kill(pid, 0) works on zombies).
      #expect(waitUntil(seconds: 5) { kill(pid, 0) != 0 }, "\(name) (pid \(pid)) is still there")
    }
    let run = try fixture.show()
    #expect(run.status == .timeout)
    #expect(run.scripts.first?.status == .timeout)
    #expect(run.scripts.first?.signal == Int(SIGKILL))
    #expect(run.scripts.last?.name == "10-handler")
  }

  @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
  func aTerminationSignalIsPassedOnRecordedAndReleasesTheLock(signal: Int32, status: Int32) throws {
    base.script(
      "configure.d/10-stubborn",
      "trap 'echo got-it' TERM INT; touch \(scratch.url("ready")); while :; do sleep 0.1; done")
    base.script("configure.d/20-never", "echo never")
    let command = fixture.startRefresh(["--kill-after", "2"])
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    let sent = Date()
    command.signal(signal)
    let result = command.wait(atMost: 30)
    let elapsed = Date().timeIntervalSince(sent)
    #expect(result.status == status)
    #expect(result.stdoutText.hasPrefix("got-it\n"))
    #expect(!result.stdoutText.contains("never"))
    #expect(elapsed >= 1.9 && elapsed < 15, "took \(elapsed) s (systemd waits 90 s)")
    #expect(scratch.read("lock") == "")
    let run = try fixture.show()
    #expect(run.status == .interrupted)
    #expect(run.exitCode == Int(status))
    #expect(run.scripts.map(\.status) == [.interrupted])
    #expect(fixture.refresh(["--timeout", "1"]).status == 1, "the lock is free again")
  }

  @Test func fiftyKillNinesAtRandomMomentsLeaveASoundHistory() throws {
    for index in 0..<10 { base.script("configure.d/\(100 + index)-step", "sleep 0.005") }
    base.script("configure.d/099-started", "touch \(scratch.url("started"))")
    base.script("post-configure.d/10-waits", "echo $$ > \(scratch.url("waiter")); sleep 30")
    var abandoned = 0
    for round in 0..<50 {
      try? FileManager.default.removeItem(atPath: scratch.url("started"))
      let command = fixture.startRefresh()
      // Every other kill waits until the run is under way (an event, not a
      // guess), so a loaded machine that starts us slowly still leaves
      // recorded runs to check; the others may fall anywhere, startup too.
      if round % 2 == 1 { #expect(waitUntil(seconds: 30) { scratch.exists("started") }, "round \(round)") }
      usleep(UInt32.random(in: 0...150_000))
      command.signal(SIGKILL)
      _ = command.wait(atMost: 20)
      if let waiter = fixture.pid("waiter") { kill(waiter, SIGKILL) }
      // Killed before the schema was in place: nothing was recorded yet.
      guard let version = try? HistoryStore.schemaVersionOnDisk(at: fixture.database), version > 0 else {
        continue
      }
      #expect(try fixture.integrity() == "ok", "round \(round)")
      let statuses = try fixture.statuses()
      #expect(statuses.allSatisfy { $0 == .abandoned }, "round \(round)")
      abandoned = statuses.count
    }
    #expect(abandoned >= 25, "every other kill came once the run was recorded")
    let detail = try fixture.show()
    let scripts = detail.scripts
    #expect(scripts.dropLast().allSatisfy { $0.status == .success })
    try FileManager.default.removeItem(atPath: base.url("post-configure.d/10-waits"))
    #expect(fixture.refresh().status == 0)
    #expect(try fixture.show().status == .success)
  }

  /// The directory read-only (a database file we could write is not enough: WAL needs the directory)
  @Test func aDatabaseDirectoryWeCannotWriteIsAWarning() throws {
    let directory = scratch.directory("readonly")
    chmod(scratch.path, 0o755)
    chmod(directory, 0o755)
    let result = runCommand(
      "/usr/bin/setpriv",
      [
        "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.ours, "--base-dir", base.path, "--lockfile",
        "/tmp/orc-nobody-dir-\(getpid()).lock", "--db", directory + "/history.sqlite",
      ],
      environment: Binaries.environment(database: directory + "/history.sqlite"))
    unlink("/tmp/orc-nobody-dir-\(getpid()).lock")
    #expect(result.status == 0)
    #expect(result.stderrLines.filter { $0.contains("[WARNING]") }.count == 1, "\(result.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [])
  }

  @Test func aReaderHoldingASnapshotForAWholeRunLosesNothingAndDelaysNothing() throws {
    for index in 0..<500 { base.script("configure.d/\(1000 + index)-s", "exit 0") }
    #expect(fixture.refresh(["--no-history"]).status == 0)  // warm the page cache
    base.script("configure.d/0999-first", "true")
    #expect(fixture.refresh().status == 0)
    let reader = try HistoryStore.openForReading(at: fixture.database)
    try reader.database.execute("BEGIN")
    #expect(try reader.queries.runs(limit: nil).count == 1)
    let started = Date()
    let result = fixture.refresh(seconds: 120)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == 0)
    #expect(!result.stderr.contains("WARNING"), "\(result.stderr)")
    #expect(try reader.queries.runs(limit: nil).count == 1, "the reader keeps its snapshot")
    try reader.database.execute("COMMIT")
    #expect(elapsed < 30)
    #expect(try fixture.show().scripts.count == 501)
    // The WAL the reader pinned is truncated at the next run's end.
    #expect(fixture.refresh().status == 0)
    var info = stat()
    #expect(stat(fixture.database + "-wal", &info) != 0 || info.st_size == 0, "WAL is \(info.st_size) bytes")
  }

  @Test func aGibibyteOnEachStreamPassesThroughExactlyInBoundedMemory() throws {
    base.script(
      "configure.d/10-flood",
      """
      (yes 'stderr line of the flood' | head -c 1073741824 >&2) &
      yes 'stdout line of the flood' | head -c 1073741824
      wait
      """)
    let result = bash(
      """
      { /usr/bin/time -f %M -o \(scratch.url("rss")) $ORC $ARGS 2>&1 1>&3 3>&- | sha256sum > \(scratch.url("err.sum")); } 3>&1 \
        | sha256sum > \(scratch.url("out.sum"))
      exit ${PIPESTATUS[0]}
      """, seconds: 300)
    #expect(result.status == 0, "\(result.stderr)")
    func expected(_ line: String) -> String {
      let sum = runCommand(
        "/bin/bash", ["-c", "yes '\(line)' | head -c 1073741824 | sha256sum"], environment: ["PATH": "/usr/bin:/bin"])
      return sum.stdoutText
    }
    #expect(file(scratch.url("out.sum")) == expected("stdout line of the flood"))
    // stderr also carries our log lines; the flood itself is checked through the history below.
    let peakKiB = Int(file(scratch.url("rss"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? .max
    #expect(peakKiB < 64 * 1024, "peak RSS \(peakKiB) KiB")
    let script = try #require(try fixture.show().scripts.first)
    let stdout = script.stdout
    #expect(stdout.bytes == 1 << 30)
    #expect(script.stderr.bytes == 1 << 30)
    #expect(stdout.truncated == true)
    let line = "stdout line of the flood\n"
    let all = String(repeating: line, count: (1 << 30) / line.utf8.count + 1)
    let head = String(all.utf8.prefix(32768))!
    let tailStart = (1 << 30) - 32768
    let tail = String(
      String(repeating: line, count: 2 * 32768 / line.utf8.count + 2).utf8.dropFirst(tailStart % line.utf8.count)
        .prefix(32768))!
    #expect(stdout.text == head + tail)
  }

  @Test func nulBytesInvalidUTF8AndACutCharacterAreStoredExactly() throws {
    // "é" is C3 A9: with --max-output 4 the head ends after C3.
    base.script("configure.d/10-bytes", #"printf 'ab\000\303\251cd\377ef\303\251zz'"#)
    #expect(fixture.refresh(["--max-output", "4"]).status == 0)
    let raw = fixture.history(["output", "latest", "configure/10-bytes"])
    #expect(raw.stdout.count == 8)
    #expect(raw.stdout.prefix(4) == Data([0x61, 0x62, 0x00, 0xC3]))
    #expect(raw.stdout.suffix(4) == Data([0xC3, 0xA9, 0x7A, 0x7A]))
    #expect(try fixture.show().scripts.first?.stdout.text == "ab\u{0}\u{FFFD}ézz")
    let human = fixture.history(["show", "latest"])
    #expect(human.status == 0)
  }

  @Test func aBrokenPipeOnOurStdoutStopsNothing() throws {
    for index in 0..<5 { base.script("configure.d/\(10 + index)-talk", "seq 1 20000") }
    let result = bash("$ORC $ARGS | head -c 10 > /dev/null; exit ${PIPESTATUS[0]}")
    #expect(result.status == 0, "\(result.stderr)")
    let scripts = try fixture.show().scripts
    #expect(scripts.count == 5)
    #expect(scripts.allSatisfy { $0.status == .success })
  }

  @Test func startedWithStandardDescriptorsClosedItStillRunsCleanly() throws {
    base.script("configure.d/10-look", "ls -l /proc/$PPID/fd > \(scratch.url("fds")) 2>&1; echo ok")
    let result = bash("exec 0<&- 1>&- 2>&-; $ORC $ARGS")
    #expect(result.status == 0)
    let listing = try #require(scratch.read("fds"))
    for fd in 0...2 {
      let line = listing.split(separator: "\n").first { $0.contains(" \(fd) -> ") }
      #expect(line?.hasSuffix("/dev/null") == true, "fd \(fd): \(line ?? "missing")")
    }
    #expect(try fixture.show().status == .success)
  }

  @Test func aVanishingScriptAndOddNamesAreRecordedClearly() throws {
    base.script("configure.d/10-remover", "rm \(base.url("configure.d/20-vanishes"))")
    base.script("configure.d/20-vanishes", "echo never")
    base.script("error.d/10-handler", "echo handled")
    let vanished = fixture.refresh()
    #expect(vanished.status == 1)
    #expect(vanished.stdoutText == "handled\n")
    let scripts = try fixture.show().scripts
    #expect(scripts.map(\.status) == [.success, .failed, .success])
    #expect(scripts[1].exitCode == 127)
    #expect(scripts[1].error == "cannot execute: No such file or directory")

    let odd = TemporaryDirectory("orc-odd")
    odd.script("configure.d/10-it's", "echo quote")
    odd.script("configure.d/20-new\nline", "echo newline")
    let result = runCommand(
      Binaries.ours, ["--base-dir", odd.path, "--lockfile", fixture.lock, "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database, ["RUN_PARTS_REGEX": "^[0-9]+-.*"]))
    #expect(result.status == 0)
    #expect(result.stdoutText == "quote\nnewline\n")
    let names = try fixture.show().scripts.map(\.name)
    #expect(names == ["10-it's", "20-new\nline"])
  }

  @Test func hostileHistoryInputChangesNothing() throws {
    base.script("configure.d/10-ok", "true")
    #expect(fixture.refresh().status == 0)
    let before = try Data(contentsOf: URL(fileURLWithPath: fixture.database))
    let cases: [[String]] = [
      ["show", "--", "-1"], ["show", "1e9"], ["show", "'; DROP TABLE runs; --"], ["--limit", "99999999999999999999"],
      ["--status", "exploded"], ["output", "1", "../../etc/passwd"], ["script", "'; DELETE FROM scripts; --/x"],
    ]
    for arguments in cases {
      let result = fixture.history(arguments)
      #expect(result.status != 0, "\(arguments)")
      #expect(result.stderrLines.count == 1, "\(arguments): \(result.stderr)")
      #expect(result.stdoutText == "", "\(arguments)")
    }
    #expect(fixture.history(["--limit", "1000000000", "--json"]).status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.database)) == before)
    #expect(try fixture.show().status == .success)
  }
}

extension ReliabilityTests {
  /// A reader that stops reading our stdout must not disable the timeout:
  /// the reference's SIGALRM still fires there, and ours must too.
  @Test func aStdoutNobodyReadsDoesNotDisableTheTimeout() throws {
    base.script("configure.d/10-talks", "head -c 4000000 /dev/zero; sleep 300")
    base.script("error.d/10-handler", "echo handled >&2")
    let started = Date()
    let result = bash(
      """
      exec 3> >(sleep 60)
      $ORC $ARGS --timeout 2 >&3
      """, seconds: 60)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == 1)
    #expect(elapsed < 20, "took \(elapsed) s")
    #expect(result.stderr.contains("our stdout stopped taking output"), "\(result.stderr)")
    #expect(result.stderr.contains("handled\n"))
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.status == .timeout)
    #expect(script.stdout.bytes > 65536)
  }
}
