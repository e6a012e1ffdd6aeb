import Foundation
import TestSupport
import Testing

/// What ours does beyond the reference, or where its stderr is its own.
@Suite struct RefreshBehaviourTests {
  let base = TemporaryDirectory("orc-base")
  let scratch = TemporaryDirectory("orc-scratch")
  var lock: String { scratch.url("lock") }
  var database: String { scratch.url("history.sqlite") }

  func start(_ arguments: [String], environment: [String: String] = [:]) -> RunningCommand {
    RunningCommand(
      Binaries.ours, ["--base-dir", base.path, "--lockfile", lock] + arguments,
      environment: Binaries.environment(database: database, environment))
  }

  func run(_ arguments: [String] = [], environment: [String: String] = [:], seconds: Double = 60) -> CommandResult {
    start(arguments, environment: environment).wait(atMost: seconds)
  }

  @Test func logLinesHaveTheReferenceFormatAndAProfilingTable() {
    base.script("configure.d/10-first", "echo one")
    let result = run()
    #expect(result.status == 0)
    let lines = result.stderrLines
    let format = #/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \(os-refresh-config\) \[(INFO|DEBUG|WARNING|ERROR)\] .*$/#
    #expect(lines.allSatisfy { $0.wholeMatch(of: format) != nil }, "\(lines)")
    let messages = lines.map { $0.split(separator: "] ", maxSplits: 2).last.map(String.init) ?? "" }
    #expect(messages.first == "Starting phase configure")
    #expect(messages.contains("Running \(base.path)/configure.d/10-first"))
    #expect(messages.contains("10-first completed"))
    #expect(messages.contains("Target: configure.d"))
    #expect(messages.contains { $0.wholeMatch(of: #/10-first {31}\s+\d+\.\d{3}/#) != nil }, "\(messages)")
    // The reference's last line, then ours: the run's seal leaving the node (docs/history.md).
    #expect(messages.dropLast().last == "Completed phase configure")
    #expect(messages.last?.wholeMatch(of: #/history: run 1 sealed [0-9a-f]{64}/#) != nil, "\(messages)")
  }

  @Test func errorLevelHidesInformation() {
    base.script("configure.d/10-fails", "exit 4")
    let result = run(["--log-level", "ERROR"])
    #expect(result.status == 1)
    #expect(result.stderrLines.allSatisfy { $0.contains("[ERROR]") }, "\(result.stderr)")
    #expect(
      result.stderrLines.map { $0.split(separator: "] ", maxSplits: 2).last ?? "" } == [
        "during configure phase. [\(base.path)/configure.d/10-fails exited with status 4]", "Aborting...",
      ])
  }

  @Test func environmentFilesAreNamedButTheirValuesNeverLogged() {
    base.write("environment.d/10-secrets", "export DB_PASSWORD=s3cr3t-value\n")
    base.script("configure.d/10-use", #"test "$DB_PASSWORD" = s3cr3t-value"#)
    let result = run(["--log-level", "DEBUG"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.contains("s3cr3t-value"))
    #expect(result.stderr.contains("[DEBUG] Sourcing environment file \(base.path)/environment.d/10-secrets\n"))
  }

  @Test func passedOverEntriesAreNamedAtDebug() {
    base.write("configure.d/10-not-executable", "echo no\n")
    base.script("configure.d/bad.name", "echo no")
    let result = run(["--log-level", "DEBUG"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("Not running \(base.path)/configure.d/10-not-executable: not executable\n"))
    #expect(result.stderr.contains("Not running \(base.path)/configure.d/bad.name: name does not match\n"))
  }

  @Test func baseDirOptionWinsOverTheEnvironment() {
    let other = TemporaryDirectory("orc-other")
    other.script("configure.d/10-other", "echo other")
    base.script("configure.d/10-option", "echo option")
    let result = run(environment: ["OS_REFRESH_CONFIG_BASE_DIR": other.path])
    #expect(result.stdoutText == "option\n")
    let printed = run(["--print-base"], environment: ["OS_REFRESH_CONFIG_BASE_DIR": other.path])
    #expect(printed.stdoutText == base.path + "\n")
  }

  @Test func theLockFileNamesItsHolderAndIsEmptiedAtTheEnd() throws {
    base.script("configure.d/10-show-lock", "cat \"$LOCK\"")
    let result = run(environment: ["LOCK": lock])
    #expect(result.status == 0)
    #expect(
      result.stdoutText.wholeMatch(of: #/Locked by pid==\d+ at \d{4}-\d\d-\d\dT[\d:.]+Z\n/#) != nil,
      "\(result.stdoutText)")
    #expect(scratch.read("lock") == "")
  }

  @Test func aHeldLockExitsElevenNamingTheHolder() throws {
    let holder = RunningCommand(
      "/usr/bin/flock",
      [lock, "sh", "-c", "echo \"Locked by pid==$$ at now\" > \(lock); touch \(scratch.url("held")); sleep 30"],
      environment: Binaries.environment(database: database))
    defer {
      holder.signal(SIGKILL)
      _ = holder.wait(atMost: 10)
    }
    #expect(waitUntil(seconds: 10) { scratch.exists("held") })
    let holderPid = try #require(
      Int32(scratch.read("lock")?.split(separator: "=").last?.split(separator: " ").first ?? ""))
    base.script("configure.d/10-never", "echo ran")
    let result = run()
    #expect(result.status == 11)
    #expect(result.stdoutText == "")
    #expect(result.stderrLines.count == 1)
    #expect(
      result.stderr.hasSuffix(
        "[ERROR] Could not lock \(lock). [Errno 11] Resource temporarily unavailable (held by pid \(holderPid))\n"),
      "\(result.stderr)")
  }

  @Test func theTimeoutKillsTheWholeFamilyEvenAfterSetsid() throws {
    base.script(
      "configure.d/10-family",
      """
      setsid sh -c 'echo $$ > \(scratch.url("setsid")); exec sleep 300' &
      (sh -c 'echo $$ > \(scratch.url("orphan")); exec sleep 300' &)
      sleep 300
      """)
    base.script("error.d/10-handler", "echo handled")
    let started = Date()
    let result = run(["--timeout", "2"], seconds: 30)
    let elapsed = Date().timeIntervalSince(started)
    #expect(result.status == 1)
    #expect(result.stdoutText == "handled\n")
    #expect(elapsed >= 2 && elapsed < 10, "took \(elapsed) s")
    for name in ["setsid", "orphan"] {
      let pid = try #require(
        Int32(scratch.read(name)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "\(name)")
      #expect(waitUntil(seconds: 5) { kill(pid, 0) != 0 }, "\(name) (pid \(pid)) is still alive")
    }
  }

  @Test func sigtermIsPassedOnAndNoFurtherScriptRuns() {
    base.script(
      "configure.d/10-waits",
      "trap 'echo got-term; exit 5' TERM; touch \(scratch.url("ready")); sleep 300 & wait")
    base.script("configure.d/20-never", "echo never")
    base.script("post-configure.d/10-never", "echo never")
    base.script("error.d/10-never", "echo never")
    let command = start([])
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    command.signal(SIGTERM)
    let result = command.wait(atMost: 20)
    #expect(result.status == 143)
    #expect(result.stdoutText == "got-term\n")
    #expect(result.stderr.contains("[ERROR] Interrupted by SIGTERM: no further script runs.\n"))
    #expect(scratch.read("lock") == "")
  }

  @Test func whatIgnoresTheSignalIsKilledAfterTheGracePeriod() {
    base.script(
      "configure.d/10-stubborn",
      "trap '' INT; touch \(scratch.url("ready")); while :; do sleep 0.1; done")
    let command = start(["--kill-after", "1"])
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    let signalled = Date()
    command.signal(SIGINT)
    let result = command.wait(atMost: 20)
    let elapsed = Date().timeIntervalSince(signalled)
    #expect(result.status == 130)
    #expect(elapsed >= 0.9 && elapsed < 15, "took \(elapsed) s; the script never ends by itself")
  }

  @Test func aDaemonHoldingStdoutDoesNotHoldUpTheRun() throws {
    base.script("configure.d/10-daemon", "sleep 300 & echo $! > \(scratch.url("daemon")); echo started")
    base.script("configure.d/20-next", "echo next")
    let started = Date()
    let result = run(seconds: 30)
    #expect(Date().timeIntervalSince(started) < 15, "the daemon sleeps 300 s")
    #expect(result.status == 0)
    #expect(result.stdoutText == "started\nnext\n")
    let pid = try #require(Int32(scratch.read("daemon")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
    #expect(kill(pid, 0) == 0, "the daemon was killed")
    kill(pid, SIGKILL)
  }

  @Test func dryRunListsWithoutRunningOrLocking() {
    base.write("environment.d/10-env", "export A=1\n")
    base.script("pre-configure.d/10-pre", "touch \(scratch.url("ran"))")
    base.script("configure.d/20-b", "touch \(scratch.url("ran"))")
    base.script("configure.d/9-a", "touch \(scratch.url("ran"))")
    base.directory("post-configure.d")
    base.script("error.d/10-handler", "touch \(scratch.url("ran"))")
    let result = run(["--dry-run"])
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(
      result.stdoutText == """
        environment.d:
          \(base.path)/environment.d/10-env
        pre-configure:
          \(base.path)/pre-configure.d/10-pre
        configure:
          \(base.path)/configure.d/9-a
          \(base.path)/configure.d/20-b
        post-configure: (no scripts)
        migration: (no directory)
        error:
          \(base.path)/error.d/10-handler

        """)
    #expect(!scratch.exists("ran"))
    #expect(!scratch.exists("lock"))
  }

  @Test func anInvalidRunPartsRegexIsOneLine() {
    base.script("configure.d/10-never", "echo ran")
    let result = run(environment: ["RUN_PARTS_REGEX": "[unclosed"])
    #expect(result.status == 1)
    #expect(result.stdoutText == "")
    #expect(result.stderrLines.count == 1)
    #expect(
      result.stderr.hasPrefix("os-refresh-config: error: invalid RUN_PARTS_REGEX '[unclosed': "), "\(result.stderr)")
  }

  @Test func aNegativeTimeoutIsAUsageError() {
    let result = run(["--timeout=-3"])
    #expect(result.status == 2)
    #expect(
      result.stderrLines == [
        "os-refresh-config: error: --timeout must be a whole number of seconds from 0 to 31536000, not -3 (see 'os-refresh-config --help')"
      ])
  }

  @Test func aBaseDirectoryThatIsAFileIsOneLine() {
    let file = scratch.write("file", "x")
    let result = runCommand(
      Binaries.ours, ["--base-dir", file, "--lockfile", lock], environment: Binaries.environment(database: database))
    #expect(result.status == 1)
    #expect(result.stderrLines == ["os-refresh-config: error: base directory \(file) is unusable: not a directory"])
  }

  /// Runs ours as `nobody`, for the permission cases (we run as root, which
  /// reads everything).
  func runAsNobody(_ arguments: [String]) -> CommandResult {
    chmod(scratch.path, 0o777)
    return runCommand(
      "/usr/bin/setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.ours, "--lockfile", scratch.url("nobody.lock")]
        + arguments,
      environment: Binaries.environment(database: database))
  }

  @Test func anUnreadableBaseDirectoryIsOneLine() {
    base.script("configure.d/10-never", "echo ran")
    chmod(base.path, 0o700)
    let result = runAsNobody(["--base-dir", base.path])
    #expect(result.status == 1)
    #expect(result.stdoutText == "")
    #expect(
      result.stderrLines == ["os-refresh-config: error: base directory \(base.path) is unusable: Permission denied"])
  }

  @Test func anUnreadablePhaseDirectoryFailsThePhase() {
    base.script("configure.d/10-never", "echo ran")
    base.script("error.d/10-handler", "echo handled")
    chmod(base.url("configure.d"), 0o311)
    let result = runAsNobody(["--base-dir", base.path])
    #expect(result.status == 1)
    #expect(result.stdoutText == "handled\n")
    #expect(
      result.stderr.contains(
        "[ERROR] during configure phase. [cannot list \(base.path)/configure.d: Permission denied]\n"),
      "\(result.stderr)")
  }

  @Test func aFileThatCannotBeExecutedFailsLikeUnderBash() {
    base.write("configure.d/10-bad-interpreter", "#!/nonexistent/interpreter\n", mode: 0o755)
    base.write("configure.d/20-no-shebang", "echo no shebang\n", mode: 0o755)
    base.script("error.d/10-handler", "echo handled")
    let result = run()
    #expect(result.status == 1)
    #expect(result.stdoutText == "handled\n")
    #expect(result.stderr.contains("10-bad-interpreter: cannot execute: No such file or directory\n"))
    #expect(result.stderr.contains("10-bad-interpreter exited with status 127]\n"))

    try? FileManager.default.removeItem(atPath: base.url("configure.d/10-bad-interpreter"))
    let second = run()
    #expect(second.status == 0)
    #expect(second.stdoutText == "no shebang\n")
  }
}

extension RefreshBehaviourTests {
  @Test func aSecondSignalSkipsTheGracePeriod() {
    // The script notes the passed-on SIGTERM and goes on: the second
    // signal is sent once the first has surely arrived (two sent close
    // together could merge into one pending signal).
    base.script(
      "configure.d/10-stubborn",
      "trap 'touch \(scratch.url("got-term"))' TERM; touch \(scratch.url("ready")); while :; do sleep 0.1; done")
    let command = start(["--kill-after", "60"])
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    let sent = Date()
    command.signal(SIGTERM)
    #expect(waitUntil(seconds: 20) { scratch.exists("got-term") }, "the first SIGTERM was passed on")
    command.signal(SIGTERM)
    let result = command.wait(atMost: 30)
    #expect(result.status == 143)
    #expect(Date().timeIntervalSince(sent) < 15, "the grace period was 60 s")
  }

  @Test func aSignalOurParentIgnoredStaysIgnored() {
    base.script("configure.d/10-slow", "touch \(scratch.url("ready")); sleep 1; echo finished")
    let command = RunningCommand(
      "/bin/bash",
      ["-c", "trap '' HUP; exec \(Binaries.ours) --base-dir \(base.path) --lockfile \(lock)"],
      environment: Binaries.environment(database: database))
    #expect(waitUntil(seconds: 20) { scratch.exists("ready") })
    command.signal(SIGHUP)
    let result = command.wait(atMost: 30)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdoutText == "finished\n")
  }

  @Test func aFailingEnvironmentFileIsNamed() {
    base.write("environment.d/10-good", "export A=1\n")
    base.write("environment.d/20-bad", "false\n")
    base.script("configure.d/10-never", "echo never")
    let result = run()
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "[ERROR] during configure phase. [environment file \(base.path)/environment.d/20-bad exited with status 1]\n"),
      "\(result.stderr)")
  }
}
