import Foundation
import RefreshStore
import TestSupport
import Testing

/// Recording never endangers the refresh: each way the database can fail
/// costs one WARNING, and the scripts run and exit exactly as without it.
@Suite struct HistoryFailureTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  init() {
    fixture.base.script("configure.d/10-hello", "echo hello")
    fixture.base.script("configure.d/20-fails", #"exit "${EXIT_WITH:-0}""#)
  }

  func warnings(_ result: CommandResult) -> [String] {
    result.stderrLines.filter { $0.contains("[WARNING]") }
  }

  /// Runs the refresh twice (succeeding, then failing) and checks stdout and
  /// statuses are the scripts' own, with exactly one WARNING each time
  /// containing `warning`.
  func expectScriptsUnaffected(
    _ arguments: [String] = [], warning: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for (exitWith, status) in [("0", Int32(0)), ("4", Int32(1))] {
      let result = fixture.refresh(arguments, environment: ["EXIT_WITH": exitWith])
      #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
      #expect(result.stdoutText == "hello\n", sourceLocation: sourceLocation)
      let found = warnings(result)
      #expect(found.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
      #expect(found.first?.contains(warning) == true, "\(found)", sourceLocation: sourceLocation)
    }
  }

  @Test func aDirectoryThatCannotBeMade() {
    let result = fixture.refresh(["--db", "/proc/orc-cannot-exist/history.sqlite"])
    #expect(result.status == 0)
    #expect(result.stdoutText == "hello\n")
    #expect(warnings(result).count == 1)
    #expect(warnings(result).first?.contains("history: cannot record in /proc/orc-cannot-exist/history.sqlite") == true)
  }

  @Test func aDatabaseThatIsADirectory() {
    try! FileManager.default.createDirectory(atPath: fixture.database, withIntermediateDirectories: true)
    expectScriptsUnaffected(warning: "history: cannot record in \(fixture.database)")
    #expect(try! FileManager.default.contentsOfDirectory(atPath: scratch.url("db")) == ["history.sqlite"])
  }

  @Test func aReadOnlyDatabase() {
    #expect(fixture.refresh().status == 0)
    chmod(scratch.path, 0o755)
    chmod(scratch.url("db"), 0o755)
    // As nobody, the root-owned database and its directory cannot be written.
    for (exitWith, status) in [("0", Int32(0)), ("4", Int32(1))] {
      let result = runCommand(
        "/usr/bin/setpriv",
        [
          "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.ours, "--base-dir", base.path, "--lockfile",
          "/tmp/orc-nobody-\(getpid()).lock",
        ],
        environment: Binaries.environment(database: fixture.database, ["EXIT_WITH": exitWith]))
      #expect(result.status == status, "\(result.stderr)")
      #expect(result.stdoutText == "hello\n")
      #expect(warnings(result).count == 1, "\(result.stderr)")
      #expect(warnings(result).first?.contains("history: cannot record in \(fixture.database)") == true)
    }
    unlink("/tmp/orc-nobody-\(getpid()).lock")
  }

  @Test func aCorruptDatabaseIsMovedAsideAndANewOneStarted() throws {
    try FileManager.default.createDirectory(atPath: scratch.url("db"), withIntermediateDirectories: true)
    let garbage = String(repeating: "this is not a database\n", count: 400)
    scratch.write("db/history.sqlite", garbage)
    let result = fixture.refresh()
    #expect(result.status == 0)
    #expect(result.stdoutText == "hello\n")
    let found = warnings(result)
    #expect(found.count == 1)
    #expect(found.first?.contains("history: \(fixture.database) was corrupt (") == true, "\(found)")
    let moved = try FileManager.default.contentsOfDirectory(atPath: scratch.url("db"))
      .filter { $0.hasPrefix("history.sqlite.corrupt-") }
    #expect(moved.count == 1)
    #expect(scratch.read("db/" + (moved.first ?? "")) == garbage)
    #expect(try fixture.integrity() == "ok")
    #expect(try fixture.show().status == .success)
  }

  @Test func aDatabaseTruncatedMidPageIsMovedAside() throws {
    base.script("configure.d/30-output", "seq 1 20000")
    #expect(fixture.refresh().status == 0)
    #expect(fixture.refresh().status == 0)
    var info = stat()
    stat(fixture.database, &info)
    #expect(info.st_size > 8192)
    truncate(fixture.database, 4096 + 100)
    unlink(fixture.database + "-wal")
    unlink(fixture.database + "-shm")
    let result = fixture.refresh()
    #expect(result.status == 0)
    #expect(result.stdoutText.hasPrefix("hello\n1\n2\n"))
    #expect(warnings(result).count == 1, "\(result.stderr)")
    #expect(try fixture.integrity() == "ok")
  }

  @Test func aFullDiskStopsTheRecordingButNotTheScripts() throws {
    // Room for the new database (its schema made by every migration, and
    // their write-ahead log) and a few scripts' output.
    let mount = try fixture.mountDatabaseDisk(size: "512k")
    defer { fixture.unmountDatabaseDisk() }
    // Distinct outputs of 60 KiB each fill the 512 KiB disk in a few scripts.
    let scripts = 12
    for index in 0..<scripts {
      base.script("post-configure.d/\(10 + index)-big", "head -c 61440 /dev/urandom | od -An -v -tx1 | head -c 61440")
    }
    let result = fixture.refresh(["--max-output", "65536"], environment: ["EXIT_WITH": "0"])
    #expect(result.status == 0)
    #expect(result.stdoutText.hasPrefix("hello\n"))
    #expect(result.stdout.count == 6 + scripts * 61440)
    let found = warnings(result)
    #expect(found.count == 1, "\(result.stderr)")
    #expect(found.first?.contains("history: recording stopped") == true, "\(found)")

    // Space comes back: the database checks clean and recording resumes.
    #expect(runCommand("/bin/mount", ["-o", "remount,size=16m", mount], environment: [:]).status == 0)
    #expect(try fixture.integrity() == "ok")
    for index in 0..<scripts { unlink(base.url("post-configure.d/\(10 + index)-big")) }
    let again = fixture.refresh()
    #expect(again.status == 0)
    #expect(warnings(again).isEmpty, "\(again.stderr)")
    let statuses = try fixture.statuses()
    #expect(statuses.first == .success)
    // The full-disk run: its end reached the database from the pending log
    // if there was room for it there, else the run is taken for abandoned;
    // never left running.
    #expect([.success, .abandoned].contains(statuses.dropFirst().first), "\(statuses)")
  }

  @Test func requireHistoryRefusesToRunWithoutIt() {
    let result = fixture.refresh(["--require-history", "--db", "/proc/orc-cannot-exist/history.sqlite"])
    #expect(result.status == 1)
    #expect(result.stdoutText == "")
    #expect(result.stderrLines.count == 1)
    #expect(
      result.stderrLines.first?.hasSuffix(
        "[ERROR] history required but unavailable at /proc/orc-cannot-exist/history.sqlite: cannot use the history directory /proc/orc-cannot-exist: No such file or directory; no script was run"
      ) == true, "\(result.stderr)")
  }
}
