import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `status` on a real refresh: a script that hangs after three normal runs of
/// it, watched through `status --json`, the human view and the metrics file.
@Suite struct StatusTests {
  /// A lock file this test process holds (flock), so a script that takes it
  /// blocks until ``release()``.
  final class HeldLock {
    let path: String
    private var descriptor: Int32

    init(_ path: String) {
      self.path = path
      descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      precondition(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)
    }

    func release() {
      guard descriptor >= 0 else { return }
      flock(descriptor, LOCK_UN)
      close(descriptor)
      descriptor = -1
    }

    deinit { release() }
  }

  static func status(_ fixture: HistoryFixture, _ arguments: [String] = []) -> CommandResult {
    runCommand(
      Binaries.ours, ["status", "--db", fixture.database, "--lockfile", fixture.lock] + arguments,
      environment: Binaries.environment(database: fixture.database), seconds: 30)
  }

  static func statusJSON(_ fixture: HistoryFixture, _ arguments: [String] = []) throws -> (JSONContract.Status, Int32) {
    let result = status(fixture, ["--json"] + arguments)
    #expect(result.stderr == "")
    return (try JSONContract.decode(JSONContract.Status.self, from: result.stdout), result.status)
  }

  /// A base directory of three scripts; the second blocks on `lock` (with a
  /// password and a URL's credentials on its command line) once `hang` exists.
  static func hangingBase(_ fixture: HistoryFixture, lock: String) {
    fixture.base.script("configure.d/10-setup", "exit 0")
    fixture.base.script(
      "configure.d/20-hang",
      """
      if [ -e \(fixture.scratch.url("hang")) ]; then
        touch \(fixture.scratch.url("started"))
        bash -c 'flock "$0" true; exit 0' \(lock) --password hunter2secret https://admin:pa55word@db.example.net/x
      fi
      """)
    fixture.base.script("post-configure.d/30-after", "exit 0")
  }

  @Test func aScriptThatHangsAfterThreeNormalRunsIsShownFlaggedAndWaitingOnItsLock() throws {
    let fixture = HistoryFixture()
    let held = fixture.scratch.url("held.lock")
    let metrics = fixture.scratch.url("node.prom")
    Self.hangingBase(fixture, lock: held)
    for _ in 0..<3 { #expect(fixture.refresh(["--metrics-file", metrics]).status == 0) }

    let lock = HeldLock(held)
    _ = fixture.scratch.write("hang", "")
    let refresh = fixture.startRefresh(["--metrics-file", metrics])
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("started") })
    // Wait (bounded) until the script, usually done in milliseconds, is past
    // the default floor of 2 s and its blocked flock is in the tree.
    var during: JSONContract.Status?
    #expect(
      waitUntil(seconds: 20) {
        guard let (status, _) = try? Self.statusJSON(fixture) else { return false }
        during = status
        return status.script?.longerThanUsual == true
          && status.processes.contains { $0.waitsOn?.kind == "lock" }
      })
    let status = try #require(during)
    #expect(status.running && status.run == 4 && status.pid == Int64(refresh.pid))
    #expect(status.command?.hasPrefix(Binaries.ours + " --base-dir ") == true, "\(status.command ?? "")")
    #expect(status.waitsOn?.kind == "lock" && status.waitsOn?.path == held)
    #expect(status.phase == .configure && status.scriptsDone == 1 && status.scriptsPlanned == 3)
    let script = try #require(status.script)
    #expect(script.phase == .configure && script.name == "20-hang" && script.typicalRuns == 3)
    #expect(script.elapsedS > 2 && (script.typicalS ?? 99) < 1 && (script.p95S ?? 99) < 1)
    #expect(status.etaS != nil && status.etaUnknownScripts == 0)
    // Overrunning, its time left grows.
    #expect(
      waitUntil(seconds: 20) {
        let later: Double? = try? Self.statusJSON(fixture).0.etaS
        return (later ?? 0) > (status.etaS ?? 0)
      })
    #expect(status.lastRun?.id == 3 && status.lastRun?.status == .success)
    // The script first, then its children: the bash holding the secrets,
    // and the flock blocked on the lock this test holds.
    #expect(status.processes.first?.command == "/bin/sh " + fixture.base.url("configure.d/20-hang"))
    let blocked = try #require(status.processes.first { $0.waitsOn?.kind == "lock" })
    #expect(blocked.command == "flock \(held) true")
    #expect(blocked.waitsOn?.path == held && blocked.waitsOn?.lock == "FLOCK")
    #expect(blocked.waitsOn?.holderPid == Int64(getpid()))
    #expect(blocked.state == "S" && blocked.wchan != nil)
    let commands = status.processes.map(\.command).joined(separator: "\n")
    #expect(!commands.contains("hunter2secret") && !commands.contains("pa55word"))
    #expect(commands.contains("--password <secret> https://admin:<secret>@db.example.net/x"))

    // The human view names the script and flags it.
    let human = Self.status(fixture)
    #expect(human.status == 0 && human.stderr == "")
    let lines = human.stdoutText.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("Running: run 4 (pid \(refresh.pid): \(Binaries.ours) --base-dir ") == true)
    #expect(
      lines.contains { $0.hasPrefix("Script: configure/20-hang, running for ") && $0.contains("LONGER THAN USUAL") })
    #expect(lines.contains { $0.hasPrefix("Progress: 1 of 3 scripts done; about ") })
    #expect(lines.contains { $0.contains("lock on \(held) held by pid \(getpid()) (flock)") })
    #expect(lines.last?.hasPrefix("Last finished run 3: success, finished ") == true)
    #expect(!human.stdoutText.contains("hunter2secret"))

    // The fleet sees the run in progress, beside the last run's outcome:
    // the script's start is written within 250 ms of it, off the runner's thread.
    let current = "\nos_refresh_config_current_script_start_timestamp_seconds{phase=\"configure\",script=\"20-hang\"} "
    var live = ""
    #expect(
      waitUntil(seconds: 10) {
        live = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
        return live.contains(current)
      })
    #expect(live.contains("\nos_refresh_config_run_in_progress 1\n"))
    #expect(live.contains("\nos_refresh_config_last_run_success 1\n"))
    var check = FleetTools.promtool(metrics)
    #expect(check.status == 0, "\(check.stdoutText)")

    lock.release()
    #expect(refresh.wait(atMost: 30).status == 0)
    let (after, code) = try Self.statusJSON(fixture)
    #expect(code == 0 && !after.running && after.run == nil && after.script == nil && after.processes.isEmpty)
    #expect(after.lastRun?.id == 4 && after.lastRun?.status == .success && after.lastRun?.finishedAt != nil)
    let ended = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(ended.contains("\nos_refresh_config_run_in_progress 0\n"))
    #expect(!ended.contains("current_script_start_timestamp_seconds"))
    check = FleetTools.promtool(metrics)
    #expect(check.status == 0, "\(check.stdoutText)")
  }

  /// 3 before any run, 1 after a failure (with where to look), 0 after a success.
  @Test func theExitStatusSaysWhetherTheLastRunSucceeded() throws {
    let fixture = HistoryFixture()
    var result = Self.status(fixture)
    #expect(result.stdoutText == "Not running. No run recorded in \(fixture.database).\n")
    #expect(result.status == 3 && result.stderr == "")
    var (json, code) = try Self.statusJSON(fixture)
    #expect(code == 3 && !json.running && json.lastRun == nil)

    fixture.base.script("configure.d/20-bad", "exit 4")
    #expect(fixture.refresh().status == 1)
    result = Self.status(fixture)
    #expect(result.status == 1)
    #expect(result.stdoutText.hasPrefix("Not running. Last run 1: failed in configure/20-bad (exit 4), finished "))
    // The hint carries the --db it was given, so pasting it asks the same history.
    #expect(result.stdoutText.hasSuffix(" ago\nWhy it failed: os-refresh-config why 1 --db \(fixture.database)\n"))
    (json, code) = try Self.statusJSON(fixture)
    #expect(code == 1 && json.lastRun?.status == .failed && json.lastRun?.failedScript == "20-bad")
    #expect(json.lastRun?.failedPhase == .configure && json.lastRun?.exitCode == 1)

    fixture.base.script("configure.d/20-bad", "exit 0")
    #expect(fixture.refresh().status == 0)
    #expect(Self.status(fixture).status == 0)
  }

  /// `--watch` into a pipe: a JSON line a second while the run goes on, and
  /// the last one when it has ended; then it exits with the run's outcome.
  @Test func watchFollowsTheRunToItsEnd() throws {
    let fixture = HistoryFixture()
    let held = fixture.scratch.url("held.lock")
    Self.hangingBase(fixture, lock: held)
    let lock = HeldLock(held)
    _ = fixture.scratch.write("hang", "")
    let refresh = fixture.startRefresh()
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("started") })
    let watch = RunningCommand(
      Binaries.ours, ["status", "--watch", "--json", "--db", fixture.database, "--lockfile", fixture.lock],
      environment: Binaries.environment(database: fixture.database))
    #expect(
      waitUntil(seconds: 20) {
        (try? String(contentsOfFile: watch.outputPath, encoding: .utf8))?.contains("\n") == true
      })
    #expect(!watch.hasEnded)
    lock.release()
    #expect(refresh.wait(atMost: 30).status == 0)
    let watched = watch.wait(atMost: 30)
    #expect(watched.status == 0 && watched.stderr == "")
    let frames = try watched.stdoutText.split(separator: "\n").map {
      try JSONContract.decode(JSONContract.Status.self, from: Data($0.utf8))
    }
    #expect(frames.first?.running == true && frames.first?.script?.name == "20-hang")
    #expect(frames.last?.running == false && frames.last?.lastRun?.id == 1)
    #expect(frames.dropLast().allSatisfy { $0.running })
  }

  /// A script reading from a TCP peer that never answers: the connection it waits on.
  @Test func aScriptWaitingOnTheNetworkShowsTheConnection() throws {
    let fixture = HistoryFixture()
    // A listener whose connections the kernel accepts and nobody answers.
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(listener) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
      try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        try #require(bind(listener, $0, length) == 0 && listen(listener, 4) == 0)
        try #require(getsockname(listener, $0, &length) == 0)
      }
    }
    let port = UInt16(bigEndian: address.sin_port)
    fixture.base.write(
      "configure.d/10-fetch",
      """
      #!/bin/bash
      exec 3<>/dev/tcp/127.0.0.1/\(port)
      touch \(fixture.scratch.url("started"))
      read -r -t 60 line <&3
      """, mode: 0o755)
    let refresh = fixture.startRefresh()
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("started") })
    var waiting: JSONContract.StatusProcess?
    #expect(
      waitUntil(seconds: 20) {
        waiting = (try? Self.statusJSON(fixture))?.0.processes.first { $0.waitsOn?.kind == "network" }
        return waiting != nil
      })
    let connections = try #require(waiting?.waitsOn?.connections)
    #expect(connections.contains { $0.remote == "127.0.0.1:\(port)" && $0.state == "ESTABLISHED" })
    let human = Self.status(fixture)
    #expect(human.stdoutText.contains("127.0.0.1:\(port) (established)"))
    refresh.signal(SIGTERM)
    #expect(refresh.wait(atMost: 30).status == 128 + SIGTERM)
  }

  /// Out-of-range and malformed input: one line, usage status.
  @Test func aSlowAfterOutsideItsRangeIsRefused() {
    let fixture = HistoryFixture()
    let result = Self.status(fixture, ["--slow-after", "604801"])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "os-refresh-config: error: --slow-after must be a whole number of seconds from 0 to 604800, not 604801 "
        + "(see 'os-refresh-config status --help')\n")
  }
}

/// The metrics file while a run is in progress, without a history: the
/// last run's outcome is kept from the file itself.
@Suite struct LiveMetricsTests {
  @Test func withoutAHistoryTheLastOutcomeStaysWhileTheNextRunIsInProgress() throws {
    let fixture = HistoryFixture()
    let metrics = fixture.scratch.url("node.prom")
    fixture.base.script(
      "configure.d/10-x",
      """
      [ -e \(fixture.scratch.url("fail")) ] && exit 5
      touch \(fixture.scratch.url("started"))
      while [ ! -e \(fixture.scratch.url("go")) ]; do sleep 0.05; done
      """)
    _ = fixture.scratch.write("fail", "")
    #expect(fixture.refresh(["--no-history", "--metrics-file", metrics]).status == 1)
    try FileManager.default.removeItem(atPath: fixture.scratch.url("fail"))
    let refresh = fixture.startRefresh(["--no-history", "--metrics-file", metrics])
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("started") })
    let live = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(live.contains("\nos_refresh_config_last_run_success 0\n"))
    #expect(live.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"10-x\"} 0\n"))
    #expect(live.contains("\nos_refresh_config_run_in_progress 1\n"))
    #expect(live.components(separatedBy: "# TYPE os_refresh_config_run_in_progress ").count == 2)
    #expect(FleetTools.promtool(metrics).status == 0)
    _ = fixture.scratch.write("go", "")
    #expect(refresh.wait(atMost: 30).status == 0)
    let ended = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(ended.contains("\nos_refresh_config_last_run_success 1\n"))
    #expect(ended.contains("\nos_refresh_config_run_in_progress 0\n"))
  }
}

/// `status` in a loop while a refresh writes the history: it never fails,
/// its progress never goes back, and the refresh records everything.
@Suite struct StatusDuringARunTests {
  @Test func statusInALoopNeverFailsNorSlowsTheRecordAway() throws {
    let fixture = HistoryFixture()
    for index in 0..<60 { fixture.base.script("configure.d/\(100 + index)-step", "echo step \(index); sleep 0.02") }
    fixture.base.script("configure.d/099-started", "touch \(fixture.scratch.url("started"))")
    var failures: [String] = []
    var done: [Int] = []
    let (result, queries) = try fixture.whileRefreshing(rounds: 10_000) {
      let answer = StatusTests.status(fixture, ["--json"])
      guard answer.status == 0, answer.stderr == "" else {
        failures.append("\(answer.status): \(answer.stderr)")
        return
      }
      let status = try JSONContract.decode(JSONContract.Status.self, from: answer.stdout)
      if status.running { done.append(status.scriptsDone) }
    }
    #expect(result.status == 0)
    #expect(failures == [])
    #expect(queries >= 3 && !done.isEmpty)
    #expect(done == done.sorted())
    #expect(try fixture.show().scripts.count == 61)
  }
}
