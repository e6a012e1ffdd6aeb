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
}
