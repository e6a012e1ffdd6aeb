import Foundation
import TestSupport
import Testing

/// kill -9 while a refresh seals its run: strace injects SIGKILL at the
/// refresh's Nth `fdatasync` (its commits, the seal's, the key's move, the
/// checkpoint), for every N it reaches. Each time the history verifies, or
/// names only the killed run as not sealed yet: a run killed before its end
/// is sealed by the reader that marks it abandoned (`verify` itself); the
/// next refresh seals any other (the key derived forward when the kill fell
/// between the seal and the key's move), and the whole chain verifies under
/// the initial key.
@Suite struct SealCrashTests {
  private static let strace = "/usr/bin/strace"

  /// strace's arguments that kill the traced refresh at its `sync`th sync.
  /// (Not with --seccomp-bpf: strace 6.1 then injects nothing.)
  private static func killing(at sync: Int) -> [String] {
    [
      "-f", "-qq", "-o", "/dev/null", "-e", "trace=fdatasync,fsync",
      "-e", "inject=fdatasync,fsync:signal=SIGKILL:when=\(sync)",
    ]
  }

  private func refresh(_ fixture: HistoryFixture, under strace: [String]) -> CommandResult {
    runCommand(
      Self.strace,
      strace + [
        Binaries.ours, "--base-dir", fixture.base.path, "--lockfile", fixture.lock, "--db", fixture.database,
        "--no-watch",
      ], environment: Binaries.environment(database: fixture.database))
  }

  private func verify(_ fixture: HistoryFixture, _ extra: [String] = []) throws -> (Int32, JSONContract.Verify) {
    let result = fixture.history(["verify", "--json"] + extra)
    return (result.status, try JSONContract.decode(JSONContract.Verify.self, from: Data(result.stdoutText.utf8)))
  }

  @Test func killedAtEverySyncTheHistoryStillVerifies() throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.strace), ".ci/run installs strace")
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-ok", "echo ok $$")
    #expect(fixture.refresh(["--no-watch"]).status == 0)
    let keyFile = fixture.scratch.write("kept-off-the-node", fixture.history(["seal-key"]).stdoutText)
    // How many syncs a refresh makes, in all its threads.
    let log = fixture.scratch.url("syncs")
    #expect(
      refresh(fixture, under: ["-f", "-qq", "-o", log, "-e", "trace=fdatasync,fsync"]).status == 0)
    let syncs = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
      .filter { $0.contains("fdatasync(") || $0.contains("fsync(") }.filter { !$0.contains("resumed") }.count
    #expect(syncs >= 4, "a refresh syncs its commits, the seal, the key and the checkpoint")
    var outcomes: Set<String> = []
    for sync in 1...syncs {
      let killed = refresh(
        fixture, under: Self.killing(at: sync))
      #expect(killed.status != 0, "sync \(sync)")
      // The killed run, when it got as far as being recorded.
      let (status, report) = try verify(fixture)
      let newest = try fixture.runs([]).first
      let unsealed = report.problems.map { "\($0.run.map(String.init) ?? "-") \($0.kind)" }
      #expect(status == 0 || unsealed == ["\(newest?.id ?? 0) unsealed"], "killed at sync \(sync): \(unsealed)")
      outcomes.insert(newest?.status.rawValue ?? "none")
      let next = fixture.refresh(["--no-watch"])
      let runs = try fixture.runs(["--limit", "0"]).count
      #expect(next.status == 0)
      #expect(!next.stderr.contains("[WARNING]"), "after the kill at sync \(sync): \(next.stderr)")
      let (sealed, after) = try verify(fixture, ["--key", keyFile])
      #expect(sealed == 0 && after.runsChecked == runs, "after the kill at sync \(sync): \(after.problems)")
    }
    // The kills fell on both sides of the run's end: before it (the run
    // abandoned, and sealed so by `verify`), and after it.
    #expect(outcomes == ["abandoned", "success"])
  }

  /// kill -9 at each sync of the first refresh after an upgrade, from its
  /// first through the first that finds the history migrated and two
  /// more (the migrations to sealing, each one transaction; the run's own
  /// syncs are the test above's): every time, the next refresh finds the
  /// history migrated or not at all, and it verifies, the older runs
  /// recorded before sealing.
  @Test func killedAtEverySyncOfTheMigrationTheHistoryStillVerifies() throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.strace), ".ci/run installs strace")
    var outcomes: Set<String> = []
    var migratedKills = 0
    // Bounded by count: a refresh of the fixture makes fewer syncs than this.
    for sync in 1...60 {
      let node = try UpgradeFixture()
      let killed = runCommand(
        Self.strace,
        Self.killing(at: sync) + [Binaries.ours]
          + ["--base-dir", node.root.url("base"), "--lockfile", node.root.url("lock"), "--db", node.database],
        environment: Binaries.environment(database: node.database, ["OS_CONFIG_FILES": node.configFiles]))
      guard killed.status != 0 else {
        // The refresh made fewer syncs than this: every one has been a kill point.
        #expect(sync > 5 && outcomes.count == 2, "\(outcomes)")
        return
      }
      let migrated = try node.schemaVersion() == 17
      outcomes.insert(migrated ? "migrated" : "not migrated")
      if migrated { migratedKills += 1 }
      #expect(node.refresh().status == 0, "after the kill at sync \(sync)")
      let result = node.run(["history", "verify", "--json"])
      let report = try JSONContract.decode(JSONContract.Verify.self, from: Data(result.stdoutText.utf8))
      #expect(result.status == 0, "after the kill at sync \(sync): \(report.problems)")
      #expect(report.recordedBeforeSealing == 4, "after the kill at sync \(sync)")
      if migratedKills == 3 {
        #expect(outcomes == ["migrated", "not migrated"])
        return
      }
    }
    Issue.record("a refresh of the fixture made more than 60 syncs")
  }
}
