import Foundation
import TestSupport
import Testing

/// How a refresh runs (phases, selection, order, environment.d, exit statuses), run by ours and by the reference
/// (os-refresh-config 14.1.0, dib-utils 0.0.11) on identical base
/// directories: stdout and the exit status must be the same.
@Suite struct ReferenceParityTests {
  /// A script that prints its own name.
  static let echoName = #"echo "$(basename "$0")""#

  @Test func phasesRunInOrderAndMissingPhasesAreSkipped() throws {
    let run = try SideBySide.run(["--log-level", "DEBUG"]) { base in
      base.script("migration.d/10-migrate", Self.echoName)
      base.script("post-configure.d/10-post", Self.echoName)
      base.script("pre-configure.d/10-pre", Self.echoName)
    }
    run.expectBoth(stdout: "10-pre\n10-post\n10-migrate\n", status: 0)
    #expect(run.ours.stderr.contains("[DEBUG] No dir for phase configure\n"))
  }

  @Test func aPhasePathThatIsNotADirectoryFailsThePhase() throws {
    let run = try SideBySide.run { base in
      base.script("pre-configure.d/10-pre", Self.echoName)
      base.write("configure.d", "not a directory\n")
      base.script("post-configure.d/10-never", Self.echoName)
      base.script("error.d/10-handler", Self.echoName)
    }
    run.expectBoth(stdout: "10-pre\n10-handler\n", status: 1)
    #expect(run.ours.stderr.contains("[ERROR] during configure phase. ["))
  }

  @Test func scriptsAreSelectedAndOrderedAsDibRunPartsDoes() throws {
    let run = try SideBySide.run { base in
      for name in ["10-b", "9-a", "010-c", "abc", "100", "2_x", "-5", "foo.sh", ".hidden", "UPPER-1"] {
        base.script("configure.d/\(name)", Self.echoName)
      }
      base.write("configure.d/20-not-executable", "#!/bin/sh\necho no\n")
      base.directory("configure.d/30-directory")
      base.script("elsewhere/target", "echo linked")
      symlink(base.url("elsewhere/target"), base.url("configure.d/40-link"))
      symlink(base.url("missing"), base.url("configure.d/50-broken"))
    }
    run.expectBoth(stdout: "-5\nUPPER-1\nabc\n2_x\n9-a\n010-c\n10-b\nlinked\n100\n", status: 0)
  }

  @Test func runPartsRegexChoosesTheNames() throws {
    let run = try SideBySide.run(environment: ["RUN_PARTS_REGEX": #"^[a-z]+\.sh$"#]) { base in
      for name in ["b.sh", "a.sh", "10-plain", "c.txt"] { base.script("configure.d/\(name)", Self.echoName) }
    }
    run.expectBoth(stdout: "a.sh\nb.sh\n", status: 0)
  }

  @Test func environmentFilesExportToScriptsButUnexportedVariablesStayBehind() throws {
    let run = try SideBySide.run { base in
      base.write("environment.d/10-first", "export EXPORTED=yes\nPLAIN=no\n")
      base.write("environment.d/20-second", "export SECOND=\"$EXPORTED-$PLAIN\"\n")
      base.write("environment.d/not sourced", "export NOT_SOURCED=1\n")
      base.script(
        "configure.d/10-show", #"echo "${EXPORTED:-unset} ${PLAIN:-unset} ${SECOND:-unset} ${NOT_SOURCED:-unset}""#)
    }
    run.expectBoth(stdout: "yes unset yes-no unset\n", status: 0)
  }

  @Test func aFailingEnvironmentFileFailsThePhaseAndErrorHandlersToo() throws {
    let run = try SideBySide.run { base in
      base.write("environment.d/10-fails", "export BEFORE=1\nfalse\n")
      base.script("configure.d/10-never", Self.echoName)
      base.script("error.d/10-never-either", Self.echoName)
    }
    run.expectBoth(stdout: "", status: 1)
  }

  @Test func environmentFilesAreSourcedInByteOrderOfTheirNamesAsTheReferenceSortsThem() throws {
    let names = ["9-a", "10-b", "010-c", "1.5-d", "_e", "Z-f", "set_var.bash"]
    let run = try SideBySide.run(environment: ["TRACE": "$BASE/trace"]) { base in
      for name in names { base.write("environment.d/\(name)", "echo \(name) >> \"$TRACE\"\n") }
      base.script("configure.d/10-show", "cat \"$TRACE\" | tr '\\n' ' '; echo")
    }
    run.expectBoth(stdout: "010-c 1.5-d 10-b 9-a Z-f _e set_var.bash \n", status: 0)
  }

  @Test func noProfilingTableFollowsAFailingEnvironmentFile() throws {
    let run = try SideBySide.run { base in
      base.write("environment.d/10-fails", "false\n")
      base.script("configure.d/10-never", Self.echoName)
    }
    run.expectBoth(stdout: "", status: 1)
    #expect(!run.ours.stderr.contains("PROFILING"), "\(run.ours.stderr)")
    #expect(!run.reference.stderr.contains("PROFILING"))
  }

  @Test func anUnsetVariableInAnEnvironmentFileFailsThePhase() throws {
    let run = try SideBySide.run { base in
      base.write("environment.d/10-unset", "export X=\"$SURELY_NOT_SET_ANYWHERE\"\n")
      base.script("configure.d/10-never", Self.echoName)
    }
    run.expectBoth(stdout: "", status: 1)
  }

  @Test func aScriptMayRewriteEnvironmentFilesForLaterPhases() throws {
    let run = try SideBySide.run { base in
      base.write("environment.d/10-mark", "export MARK=original\n")
      base.script("pre-configure.d/10-show", #"echo "$MARK""#)
      base.script(
        "configure.d/10-rewrite",
        #"echo 'export MARK=rewritten' > "$(dirname "$0")/../environment.d/10-mark"; echo "$MARK""#)
      base.script("post-configure.d/10-show", #"echo "$MARK""#)
    }
    run.expectBoth(stdout: "original\noriginal\nrewritten\n", status: 0)
  }

  @Test func scriptOutputPassesThroughByteForByte() throws {
    let run = try SideBySide.run { base in
      base.script("configure.d/10-binary", #"printf 'a\000b\377\376\n'; printf 'no newline'; echo to-stderr >&2"#)
    }
    let expected = Data([0x61, 0, 0x62, 0xFF, 0xFE, 0x0A]) + Data("no newline".utf8)
    #expect(run.ours.stdout == expected)
    #expect(run.reference.stdout == expected)
    #expect(run.ours.status == 0 && run.reference.status == 0)
    #expect(run.ours.stderrLines.contains("to-stderr"))
  }

  @Test func theFirstFailingScriptEndsTheRunAndErrorHandlersRun() throws {
    let run = try SideBySide.run { base in
      base.script("configure.d/10-ok", Self.echoName)
      base.script("configure.d/20-fails", "echo failing; exit 7")
      base.script("configure.d/30-never", Self.echoName)
      base.script("post-configure.d/10-never", Self.echoName)
      base.script("error.d/10-handler", Self.echoName)
      base.script("error.d/20-handler-fails", "exit 3")
      base.script("error.d/30-never", Self.echoName)
    }
    run.expectBoth(stdout: "10-ok\nfailing\n10-handler\n", status: 1)
    #expect(run.ours.stderr.contains("[ERROR] during configure phase. ["))
    #expect(run.ours.stderr.contains("20-fails exited with status 7]\n"))
  }

  @Test func aScriptKilledByASignalFailsThePhase() throws {
    let run = try SideBySide.run { base in
      base.script("configure.d/10-segfault", "echo before; kill -SEGV $$")
      base.script("configure.d/20-never", Self.echoName)
      base.script("error.d/10-handler", Self.echoName)
    }
    run.expectBoth(stdout: "before\n10-handler\n", status: 1)
    #expect(run.ours.stderr.contains("was killed by signal 11 (SIGSEGV)"))
  }

  @Test func anEmptyBaseDirectoryPrintsNothing() throws {
    let run = try SideBySide.run { _ in }
    run.expectBoth(stdout: "", status: 0)
    #expect(run.ours.stderr == "")
  }

  /// A documented difference (docs/refresh.md): the reference's `grep` finds no file
  /// under `pipefail` and it exits 1; we source nothing and run the phases.
  @Test func anEmptyEnvironmentDirectoryIsNotAnError() throws {
    let run = try SideBySide.run { base in
      base.directory("environment.d")
      base.script("configure.d/10-ok", "echo ok")
    }
    #expect(run.oursStdout == "ok\n")
    #expect(run.ours.status == 0)
    #expect(run.reference.status == 1)
  }

  @Test func aMissingBaseDirectoryPrintsNothing() throws {
    let run = try SideBySide.run { base in try? FileManager.default.removeItem(atPath: base.path) }
    run.expectBoth(stdout: "", status: 0)
    #expect(run.ours.stderr == "")
  }

  @Test func theTimeoutKillsTheRunningScriptAndErrorHandlersRun() throws {
    let started = Date()
    let run = try SideBySide.run(["--timeout", "2"]) { base in
      base.script("pre-configure.d/10-slow", "echo starting; sleep 5; echo done")
      base.script("pre-configure.d/20-never", Self.echoName)
      base.script("error.d/10-handler", Self.echoName)
    }
    run.expectBoth(stdout: "starting\n10-handler\n", status: 1)
    #expect(Date().timeIntervalSince(started) >= 4)
    #expect(run.ours.stderr.contains("[ERROR] Timeout reached: 2s. Sending SIGKILL to all children\n"))
  }

  @Test func printBaseAndPrintPhasesAnswerAlone() throws {
    let base = try SideBySide.run(["--print-base"]) { _ in }
    base.expectBoth(stdout: "BASE\n", status: 0)
    #expect(base.ours.stderr == "")
    let phases = try SideBySide.run(["--print-phases"]) { _ in }
    phases.expectBoth(stdout: "pre-configure\tconfigure\tpost-configure\tmigration\n", status: 0)
    #expect(phases.ours.stderr == "")
  }

  @Test func usageErrorsExitTwo() throws {
    for arguments in [["--no-such-option"], ["--timeout", "soon"], ["--log-level", "LOUD"]] {
      let run = try SideBySide.run(arguments) { base in base.script("configure.d/10-never", Self.echoName) }
      run.expectBoth(stdout: "", status: 2)
      #expect(run.ours.stderrLines.count == 1, "\(arguments): \(run.ours.stderr)")
    }
  }

  /// The inspecting programs are the scripts themselves (awk, python), not
  /// a shell's children: dash blocks signals while it waits for a child.
  @Test func scriptsStartWithDefaultSignalsAnEmptyMaskAndNoDescriptorOfOurs() throws {
    let run = try SideBySide.run { base in
      base.write(
        "configure.d/10-signals",
        """
        #!/usr/bin/awk -f
        BEGIN { while ((getline line < "/proc/self/status") > 0) if (line ~ /^Sig(Blk|Ign)/) print line }
        """, mode: 0o755)
      base.write(
        "configure.d/20-descriptors",
        """
        #!/usr/bin/python3
        import os
        def is_open(fd):
            try:
                os.fstat(fd)
                return True
            except OSError:
                return False
        print(sorted(fd for fd in map(int, os.listdir("/proc/self/fd")) if is_open(fd)))
        """, mode: 0o755)
      base.script("configure.d/30-pipe", "yes | head -1")
    }
    run.expectBoth(
      stdout: "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n[0, 1, 2]\ny\n", status: 0)
  }
}

extension ReferenceParityTests {
  @Test func aHeldLockExitsElevenWithNothingRunLikeTheReference() throws {
    let run = try SideBySide.run(holdingTheLock: true) { base in
      base.script("configure.d/10-never", "echo ran")
    }
    run.expectBoth(stdout: "", status: 11)
    #expect(run.ours.stderrLines.count == 1)
  }

  @Test func aDaemonLeftBehindHoldsUpNeitherRun() throws {
    let pids = TemporaryDirectory("orc-daemons")
    let started = Date()
    let run = try SideBySide.run(seconds: 30) { base in
      base.script("configure.d/10-daemon", "sleep 60 & echo $! >> \(pids.url("pids")); echo started")
      base.script("configure.d/20-next", "echo next")
    }
    #expect(Date().timeIntervalSince(started) < 20)
    run.expectBoth(stdout: "started\nnext\n", status: 0)
    for line in (pids.read("pids") ?? "").split(separator: "\n") {
      if let pid = Int32(line) { kill(pid, SIGKILL) }
    }
  }
}
