import CSystemShims
import Foundation
import RefreshVocabulary
import SystemInterface
import TestSupport
import Testing

@testable import RefreshRunner

/// The runner and its supervisor driven in-process and observed through
/// `RunObserver`: the order of events, the timeout, signals passed on, and
/// the streams of daemons a script leaves behind.
@Suite struct SupervisionTests {
  let base = TemporaryDirectory("orc-supervised")

  @Test func eventsComeInTheOrderTheRunHappens() throws {
    base.script("configure.d/10-first", "echo one; echo err >&2")
    base.script("configure.d/20-second", "echo two")
    base.script("post-configure.d/10-fails", "exit 3")
    base.script("error.d/10-handler", "echo handled")
    base.write("environment.d/10-env", "export GREETING=hello\n")
    let run = try InProcessRun.run(base: base)
    #expect(run.outcome.status == .failed)
    #expect(run.outcome.exitStatus == .failure)
    #expect(
      run.log.events == [
        .runWillStart,
        .phaseDidFinish(.preConfigure, .absent),
        .phaseWillStart(.configure), .environmentWillLoad(.configure, files: 1),
        .scriptWillStart(.configure, "10-first"), .scriptDidFinish(.configure, "10-first", .success),
        .scriptWillStart(.configure, "20-second"), .scriptDidFinish(.configure, "20-second", .success),
        .phaseDidFinish(.configure, .success),
        .phaseWillStart(.postConfigure), .environmentWillLoad(.postConfigure, files: 1),
        .scriptWillStart(.postConfigure, "10-fails"), .scriptDidFinish(.postConfigure, "10-fails", .failed),
        .phaseDidFinish(.postConfigure, .failed),
        .phaseDidFinish(.migration, .skipped),
        .phaseWillStart(.error), .environmentWillLoad(.error, files: 1),
        .scriptWillStart(.error, "10-handler"), .scriptDidFinish(.error, "10-handler", .success),
        .phaseDidFinish(.error, .success),
        .runDidFinish(.failed, .failure),
      ])
    #expect(run.log.text(.configure, "10-first") == "one\n")
    #expect(run.log.text(.configure, "10-first", .stderr) == "err\n")
    #expect(run.log.outcomes["post-configure/10-fails"]?.termination == .exited(3))
  }

  @Test func theTimeoutKillsTheScriptAndItsChildrenAndRunsTheHandlers() throws {
    base.script("configure.d/10-hangs", "sleep 300 & echo $! > \(base.url("child")); sleep 300")
    base.script("error.d/10-handler", "echo handled")
    let run = try InProcessRun.run(base: base, timeout: 1)
    #expect(run.seconds < 15)
    #expect(run.outcome.status == .timeout)
    #expect(run.outcome.exitStatus == .failure)
    #expect(run.log.outcomes["configure/10-hangs"]?.status == .timeout)
    #expect(run.log.outcomes["configure/10-hangs"]?.termination == .signaled(SIGKILL))
    #expect(run.log.events.contains(.scriptDidFinish(.error, "10-handler", .success)))
    #expect(run.log.logLines.contains("ERROR Timeout reached: 1s. Sending SIGKILL to all children"))
    let child = try #require(base.read("child").flatMap { pid_t($0.trimmingCharacters(in: .newlines)) })
    #expect(waitUntil(seconds: 10) { kill(child, 0) != 0 }, "the script's child was killed too")
  }

  @Test func aTerminationSignalIsPassedOnAndNoFurtherScriptRuns() throws {
    base.script("configure.d/10-ok", "true")
    base.script(
      "configure.d/20-waits", "trap 'echo got TERM; exit 0' TERM; touch \(base.url("ready")); sleep 60 & wait")
    base.script("configure.d/30-never", "touch \(base.url("never"))")
    let log = EventLog()
    // Directed at the runner's own thread, where the runner blocks it and
    // reads it from its signalfd: the rest of the test process never sees it.
    let runner = pthread_self()
    let ready = base.url("ready")
    log.onScriptStart = { script, _ in
      guard script.name == "20-waits" else { return }
      Thread.detachNewThread {
        _ = waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: ready) }
        pthread_kill(runner, SIGTERM)
      }
    }
    let run = try InProcessRun.run(base: base, timeout: 30, killAfter: 5, log: log)
    #expect(run.outcome.status == .interrupted)
    #expect(run.outcome.exitStatus == .signal(SIGTERM))
    // The script got the signal, handled it and exited 0: it succeeded,
    // and the run still ends interrupted, running nothing more.
    #expect(run.log.outcomes["configure/20-waits"]?.status == .success)
    #expect(run.log.text(.configure, "20-waits") == "got TERM\n")
    #expect(!base.exists("never"))
    #expect(run.log.events.last == .runDidFinish(.interrupted, .signal(SIGTERM)))
  }

  @Test func aScriptThatIgnoresTheSignalIsKilledAfterTheGracePeriod() throws {
    base.script("configure.d/10-stubborn", "trap '' INT TERM; touch \(base.url("ready")); sleep 60")
    let log = EventLog()
    let runner = pthread_self()
    let ready = base.url("ready")
    log.onScriptStart = { _, _ in
      Thread.detachNewThread {
        _ = waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: ready) }
        pthread_kill(runner, SIGINT)
      }
    }
    let run = try InProcessRun.run(base: base, timeout: 30, killAfter: 1, log: log)
    #expect(run.seconds < 15)
    #expect(run.outcome.status == .interrupted)
    #expect(run.outcome.exitStatus == .signal(SIGINT))
    #expect(run.log.outcomes["configure/10-stubborn"]?.status == .interrupted)
    #expect(run.log.outcomes["configure/10-stubborn"]?.termination == .signaled(SIGKILL))
  }

  @Test func aDaemonsLaterOutputGoesWhereOursGoesAndToNoOtherScript() throws {
    let destination = try PipeEnds()
    destination.readEnd.setNonBlocking()
    base.script(
      "configure.d/10-daemon",
      "(while true; do echo tick; sleep 0.05; done) & echo $! > \(base.url("daemon")); echo started")
    base.script("configure.d/20-later", "sleep 0.5; echo later")
    defer {
      if let daemon = base.read("daemon").flatMap({ pid_t($0.trimmingCharacters(in: .newlines)) }) {
        kill(daemon, SIGKILL)
      }
    }
    let run = try InProcessRun.run(
      base: base, passThrough: (destination.writeEnd.rawValue, destination.writeEnd.rawValue))
    #expect(run.outcome.status == .success)
    #expect(run.seconds < 10, "the daemon holds up neither script")
    #expect(run.log.text(.configure, "20-later") == "later\n", "the daemon's ticks are not the next script's")
    var buffer = [UInt8](repeating: 0, count: 65536)
    let count = try buffer.withUnsafeMutableBytes { try destination.readEnd.read(into: $0) }
    let passedOn = String(decoding: buffer[0..<count], as: UTF8.self)
    #expect(passedOn.contains("started\n"))
    #expect(passedOn.contains("later\n"))
    #expect(passedOn.components(separatedBy: "tick\n").count > 4, "ticks written while 20-later ran were passed on")
  }
}

/// A deadline, once reached, ends the run however the timing falls: between
/// two scripts, or as a script exits.
@Suite struct DeadlineTests {
  @Test func aDeadlineFallingAsScriptsEndIsNeverLost() throws {
    let base = TemporaryDirectory("orc-deadline")
    for index in 0..<150 { base.script("configure.d/\(1000 + index)-quick", "exit 0") }
    base.script("post-configure.d/10-sleeps", "sleep 30")
    base.script("error.d/10-handler", "true")
    let started = Date()
    var generator = SystemRandomNumberGenerator()
    var tries = 0
    // Deadlines from 1 to 40 ms land among the 150 quick scripts (each takes
    // about half a millisecond), so across the tries they fall before a
    // script starts, while it runs and as it exits.
    while tries < 200 && Date().timeIntervalSince(started) < 90 {
      tries += 1
      let timeout = Int64.random(in: 1_000_000...40_000_000, using: &generator)
      let run = try InProcessRun.run(base: base, timeoutNanoseconds: timeout)
      #expect(run.outcome.status == .timeout, "try \(tries), deadline \(timeout) ns: \(run.log.events.suffix(4))")
      #expect(run.outcome.exitStatus == .failure)
      #expect(run.seconds < 10, "try \(tries) took \(run.seconds) s")
      #expect(!run.log.events.contains(.scriptWillStart(.postConfigure, "10-sleeps")))
      #expect(run.log.events.contains(.scriptDidFinish(.error, "10-handler", .success)))
      if run.outcome.status != .timeout { break }
    }
    #expect(tries >= 50, "only \(tries) tries in 90 s")
  }
}

/// Who gets a passed-on signal first.
@Suite struct ProcessFamilyTests {
  @Test func aSignalReachesTheScriptBeforeItsChildrenAndNeverAnEarlierDaemon() throws {
    let reaper: pid_t = 100
    func entry(_ pid: pid_t, _ parent: pid_t, _ start: UInt64, zombie: Bool = false) -> ProcessEntry {
      ProcessEntry(pid: pid, parent: parent, state: zombie ? "Z" : "S", startTicks: start)
    }
    // The script 200 (a shell) waits for 300, which started 400; 250 left
    // the tree (setsid) and came back to us; 150 is an earlier script's daemon.
    let table: [ProcessEntry] = [
      entry(400, 300, 30), entry(300, 200, 20), entry(150, reaper, 5), entry(250, reaper, 25),
      entry(200, reaper, 10), entry(500, 200, 40, zombie: true),
    ]
    let family = ProcessFamily(root: 200, rootStartTicks: 10, reaper: reaper)
    let order = family.orderedMembers(in: table)
    #expect(order.first == 200, "the script first: its wait must see the signal before its child dies")
    #expect(Set(order) == Set<pid_t>([200, 250, 300, 400]))
    #expect(try #require(order.firstIndex(of: 300)) < #require(order.firstIndex(of: 400)))
  }
}

/// Descriptor hygiene on a kernel without close_range(2) (before 5.9, or
/// before 5.11 for its CLOEXEC flag: Ubuntu 20.04's 5.4, Debian 11's 5.10),
/// as the walk of /proc/self/fd does it there.
@Suite(.serialized) struct DescriptorWalkTests {
  @Test func withoutCloseRangeNoDescriptorOfOursReachesAChild() throws {
    let leaked = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: a library's descriptor
    #expect(leaked > 2)
    defer { close(leaked) }
    orc_use_descriptor_walk(1)
    defer { orc_use_descriptor_walk(0) }
    let directory = TemporaryDirectory("orc-walk")
    let output = open(directory.url("out"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    defer { close(output) }
    let pid = try ProcessSpawner.spawn(
      path: "/bin/sh",
      arguments: CStringArray(["sh", "-c", "[ -e /proc/$$/fd/\(leaked) ] && echo open || echo closed"]),
      environment: CStringArray([]), redirections: [.init(source: output, target: 1)])
    var status: Int32 = 0
    #expect(waitpid(pid, &status, 0) == pid && status == 0)
    #expect(directory.read("out") == "closed\n")
    // And marking every descriptor close-on-exec, as a refresh does at its start.
    #expect(fcntl(leaked, F_GETFD) & FD_CLOEXEC == 0)
    #expect(orc_cloexec_from(leaked) == 0)
    #expect(fcntl(leaked, F_GETFD) & FD_CLOEXEC != 0)
  }
}
