import ContentEncoding
import Foundation
import RefreshStore
import RefreshVocabulary
import TestSupport
import Testing

/// The audited run history, through the built binary.
@Suite struct HistoryTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  @Test func everyRunStatusIsRecorded() throws {
    base.script(
      "configure.d/10-mode",
      #"test -e "$GO_SLOW" && { echo $$ > "$GO_SLOW.pid"; touch "$GO_SLOW.ready"; sleep 30; }; exit "${EXIT_WITH:-0}""#)
    let slow = scratch.url("slow")
    #expect(fixture.refresh().status == 0)
    #expect(fixture.refresh(environment: ["EXIT_WITH": "3"]).status == 1)
    scratch.write("slow", "")
    #expect(fixture.refresh(["--timeout", "1"], environment: ["GO_SLOW": slow], seconds: 20).status == 1)
    try FileManager.default.removeItem(atPath: scratch.url("slow.ready"))

    let interrupted = fixture.startRefresh(environment: ["GO_SLOW": slow])
    #expect(waitUntil(seconds: 20) { scratch.exists("slow.ready") })
    interrupted.signal(SIGTERM)
    #expect(interrupted.wait(atMost: 20).status == 143)
    try FileManager.default.removeItem(atPath: scratch.url("slow.ready"))

    let running = fixture.startRefresh(environment: ["GO_SLOW": slow])
    #expect(waitUntil(seconds: 20) { scratch.exists("slow.ready") })
    #expect(try fixture.statuses().first == .running)
    running.signal(SIGKILL)
    _ = running.wait(atMost: 20)
    if let orphan = fixture.pid("slow.pid") { kill(orphan, SIGKILL) }

    let recorded = try fixture.statuses()
    #expect(recorded == [.abandoned, .interrupted, .timeout, .failed, .success])
    let abandoned = try fixture.show()
    #expect(abandoned.scripts.map(\.status) == [.abandoned])
    #expect(abandoned.failedScript == "10-mode")
    #expect(try fixture.integrity() == "ok")
  }

  @Test func phasesAndScriptsAreRecordedWithTheirOutcomes() throws {
    base.script("configure.d/10-ok", "echo fine")
    base.script("configure.d/20-segfault", "kill -SEGV $$")
    base.script("configure.d/30-never", "echo never")
    base.script("error.d/10-handler", "echo handled >&2")
    scratch.write("meta.json", #"{"a": 1}"#)
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": scratch.url("meta.json")]).status == 1)
    let run = try fixture.show()
    #expect(run.status == .failed)
    #expect(run.exitCode == 1)
    #expect(run.failedPhase == .configure)
    #expect(run.failedScript == "20-segfault")
    #expect(run.baseDir == base.path)
    #expect(run.phases.map(\.name) == [.preConfigure, .configure, .postConfigure, .migration, .error])
    #expect(run.phases.map(\.status) == [.absent, .failed, .skipped, .skipped, .success])
    let scripts = run.scripts
    #expect(scripts.map(\.name) == ["10-ok", "20-segfault", "10-handler"])
    #expect(scripts.map(\.status) == [.success, .killed, .success])
    #expect(scripts[1].signal == 11)
    #expect(scripts[1].exitCode == nil)
    #expect(scripts[0].stdout.text == "fine\n")
    #expect(scripts[2].stderr.text == "handled\n")
    #expect(scripts[0].sha256 == sha256(of: base.url("configure.d/10-ok")))
    #expect(run.inputs.count == 1)
    #expect(run.inputs[0].path == scratch.url("meta.json"))
    #expect(run.inputs[0].sha256 == sha256(of: scratch.url("meta.json")))
    #expect(run.inputs[0].hmacSha256 == nil)

    let listing = fixture.history([])
    #expect(listing.status == 0)
    let lines = listing.stdoutText.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(lines[0].hasPrefix("ID  STARTED"))
    #expect(lines[1].hasPrefix("1   "))
    #expect(lines[1].hasSuffix("failed  2/3      configure/20-segfault (SIGSEGV)"), "\(lines[1])")
  }

  func sha256(of path: String) -> String {
    ContentDigest.sha256Hex(Array(FileManager.default.contents(atPath: path) ?? Data()))
  }

  @Test func outputIsTruncatedAtBothEndsWithExactCounts() throws {
    base.script("configure.d/10-long", "printf 0123456789abcdefghijklmnopqrstuvwxyz; printf 12345678901234567890 >&2")
    #expect(fixture.refresh(["--max-output", "10"]).status == 0)
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.stdout.bytes == 36)
    #expect(script.stdout.truncated == true)
    #expect(script.stdout.text == "0123456789qrstuvwxyz")
    #expect(script.stderr.bytes == 20)
    #expect(script.stderr.truncated == false)
    #expect(script.stderr.text == "12345678901234567890")

    let raw = fixture.history(["output", "latest", "configure/10-long"])
    #expect(raw.stdoutText == "0123456789qrstuvwxyz")
    #expect(
      raw.stderrLines == ["os-refresh-config: note: 16 of 36 bytes were not kept, between the first 10 and the last 10"]
    )
    let rawStderr = fixture.history(["output", "latest", "configure/10-long", "--stderr"])
    #expect(rawStderr.stdoutText == "12345678901234567890")
    #expect(rawStderr.stderr == "")
  }

  @Test func binaryOutputIsStoredByteExact() throws {
    base.script("configure.d/10-binary", #"printf 'a\000b\377\376\n'"#)
    #expect(fixture.refresh().status == 0)
    let raw = fixture.history(["output", "1", "configure/10-binary"])
    #expect(raw.stdout == Data([0x61, 0, 0x62, 0xFF, 0xFE, 0x0A]))
    #expect(try fixture.show().scripts.first?.stdout.text == "a\u{0}b\u{FFFD}\u{FFFD}\n")
  }

  @Test func aKillNineAtRandomMomentsLeavesASoundHistory() throws {
    for index in 0..<20 {
      base.script("configure.d/\(100 + index)-step", "sleep 0.01")
    }
    base.script("configure.d/099-started", "touch \(scratch.url("started"))")
    base.script("post-configure.d/10-waits", "echo $$ > \(scratch.url("waiter")); sleep 30")
    for round in 0..<5 {
      // The kill falls at a random moment once the run is under way (its
      // first script ran, so it is recorded): waited for as an event, so a
      // loaded machine that starts us slowly cannot make the kill come
      // before there is anything to check.
      try? FileManager.default.removeItem(atPath: scratch.url("started"))
      let command = fixture.startRefresh()
      #expect(waitUntil(seconds: 30) { scratch.exists("started") }, "round \(round)")
      usleep(UInt32.random(in: 0...200_000))
      command.signal(SIGKILL)
      _ = command.wait(atMost: 20)
      if let waiter = fixture.pid("waiter") { kill(waiter, SIGKILL) }
      #expect(try fixture.integrity() == "ok", "round \(round)")
      let listing = fixture.history(["--json", "--limit", "1"])
      #expect(listing.status == 0, "\(listing.stderr)")
      let latest = try fixture.show()
      // The run shows abandoned with the script that was running.
      #expect(latest.status == .abandoned, "round \(round): \(latest.status)")
      // Every script that started is there: all ended well but the last,
      // which is abandoned when the kill came while it ran.
      let scripts = latest.scripts
      #expect(scripts.dropLast().allSatisfy { $0.status == .success }, "round \(round)")
      #expect([.success, .abandoned, nil].contains(scripts.last?.status), "round \(round)")
    }
    try? FileManager.default.removeItem(atPath: base.url("post-configure.d/10-waits"))
    #expect(fixture.refresh().status == 0)
    #expect(try fixture.statuses().first == .success)
  }

  @Test func aReaderQueryingInALoopDuringARunNeverFails() throws {
    for index in 0..<60 { base.script("configure.d/\(100 + index)-step", "echo step \(index); sleep 0.02") }
    base.script("configure.d/099-started", "touch \(scratch.url("started"))")
    var failures: [String] = []
    let (result, queries) = fixture.whileRefreshing(rounds: 10_000) {
      let listed = fixture.history(["--json", "--limit", "3"])
      if listed.status != 0 { failures.append(listed.stderr) }
    }
    #expect(result.status == 0)
    #expect(failures == [])
    #expect(queries >= 3)
    #expect(try fixture.show().scripts.count == 61)
  }

  @Test func theDatabaseAndItsDirectoryArePrivate() throws {
    base.script("configure.d/10-ok", "true")
    #expect(fixture.refresh().status == 0)
    var info = stat()
    stat(scratch.url("db"), &info)
    #expect(info.st_mode & 0o777 == 0o700)
    for suffix in ["", "-wal", "-shm"] where scratch.exists("db/history.sqlite" + suffix) {
      stat(fixture.database + suffix, &info)
      #expect(info.st_mode & 0o777 == 0o600, "history.sqlite\(suffix)")
    }
  }

  @Test func noHistoryRecordsNothing() {
    base.script("configure.d/10-ok", "echo ok")
    let result = fixture.refresh(["--no-history"])
    #expect(result.status == 0)
    #expect(result.stdoutText == "ok\n")
    #expect(!scratch.exists("db"))
  }

  @Test func historyErrorsAreOneLine() {
    let none = fixture.history([])
    #expect(none.status == 1)
    #expect(
      none.stderrLines == [
        "os-refresh-config: error: no history database at \(fixture.database) (no refresh has been recorded there yet)"
      ])
    #expect(!scratch.exists("db/history.sqlite"))
    base.script("configure.d/10-ok", "true")
    #expect(fixture.refresh().status == 0)
    let cases: [([String], Int32, String)] = [
      (["show", "42"], 1, "os-refresh-config: error: no run '42' in the history"),
      (
        ["show", "abc"], 1,
        "os-refresh-config: error: invalid run 'abc': expected a run id, latest, last-success or last-failure"
      ),
      (
        ["show", "1e9"], 1,
        "os-refresh-config: error: invalid run '1e9': expected a run id, latest, last-success or last-failure"
      ),
      (["show", "last-failure"], 1, "os-refresh-config: error: no run 'last-failure' in the history"),
      (
        ["output", "1", "configure/99-missing"], 1, "os-refresh-config: error: run 1 has no script configure/99-missing"
      ),
      (
        ["output", "1", "nophase"], 1,
        "os-refresh-config: error: invalid script 'nophase': expected PHASE/NAME, e.g. configure/20-neutron"
      ),
    ]
    for (arguments, status, line) in cases {
      let result = fixture.history(arguments)
      #expect(result.status == status, "\(arguments)")
      #expect(result.stderrLines == [line], "\(arguments)")
    }
    for arguments in [["--status", "weird"], ["--since", "yesterday-ish"], ["--limit", "-5"]] {
      let result = fixture.history(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderrLines.count == 1, "\(arguments): \(result.stderr)")
    }
  }

  @Test func listingFiltersByStatusSinceAndLimit() throws {
    base.script("configure.d/10-mode", #"exit "${EXIT_WITH:-0}""#)
    #expect(fixture.refresh().status == 0)
    #expect(fixture.refresh(environment: ["EXIT_WITH": "2"]).status == 1)
    #expect(fixture.refresh().status == 0)
    func ids(_ arguments: [String]) throws -> [Int64] {
      let result = fixture.history(arguments + ["--json"])
      return try JSONContract.decode([JSONContract.RunSummary].self, from: result.stdout).map(\.id)
    }
    #expect(try ids([]) == [3, 2, 1])
    #expect(try ids(["--status", "success"]) == [3, 1])
    #expect(try ids(["--limit", "1"]) == [3])
    #expect(try ids(["--since", "1h"]) == [3, 2, 1])
    #expect(try ids(["--since", "2999-01-01"]) == [])
    #expect(try fixture.show("last-failure").id == 2)
    #expect(try fixture.show("last-success").id == 3)
  }
}
