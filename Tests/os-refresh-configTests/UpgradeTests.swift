import Foundation
import TestSupport
import Testing

@testable import RefreshStore

/// A history the previous release recorded (schema 10, by its own binary),
/// read and then refreshed by this one, as every node does after an upgrade.
@Suite struct UpgradeTests {
  /// The fixture is a history of schema 10 as the previous release wrote it:
  /// its tables are, statement for statement, those migrations 1 to 10 make
  /// (the dump was taken from the old binary's own file by
  /// scripts/make-upgrade-fixture), with rows in every table a run fills.
  @Test func theFixtureIsTheSchemaThePreviousReleaseWrote() throws {
    let node = try UpgradeFixture()
    let scratch = TemporaryDirectory("orc-schema-10")
    let fresh = try Database(path: scratch.url("fresh.sqlite"))
    try Migrator.migrate(fresh, upTo: 10)
    // The old release's first refresh scrubbed what was pending and dropped the marker.
    try fresh.execute("DROP TABLE secrets_scrub_pending")
    let schema = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
    let loaded = try Database(path: node.database, readOnly: true, create: false)
    #expect(try loaded.rows(schema, []) { $0.text(0) } == fresh.rows(schema, []) { $0.text(0) })
    for table in ["runs", "phases", "scripts", "run_inputs", "input_chunks", "contents"] {
      #expect(try loaded.firstRow("SELECT count(*) FROM \(table)") { $0.int64(0) } ?? 0 > 0, "\(table) is empty")
    }
  }

  /// `history`, `diff`, `why` and `status` read the old schema as it is and
  /// write nothing: the release that wrote it (a rollback, or the old
  /// package still installed) goes on recording in it.
  @Test func readersReadThePreviousSchemaAsItIsAndChangeNothing() throws {
    let node = try UpgradeFixture()
    let before = try Data(contentsOf: URL(fileURLWithPath: node.database))
    let list = node.run(["history"])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.stderr == "")
    let rows = list.stdoutText.split(separator: "\n")
    #expect(rows.count == 5, "a header and four runs:\n\(list.stdoutText)")
    #expect(rows.dropFirst().map { $0.split(separator: " ").first ?? "" } == ["4", "3", "2", "1"])
    #expect(rows[2].hasSuffix("failed   3/4      configure/30-check (exit 3)"), "\(rows[2])")
    let diff = node.run(["diff", "2", "4"])
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(diff.stdoutText.contains(#"      ~ hostname: "node-0" -> "node-1""#), "\(diff.stdoutText)")
    let why = node.run(["why", "3"])
    #expect(why.status == 0, "\(why.stderr)")
    #expect(why.stdoutText.contains("configure/30-check"), "\(why.stdoutText)")
    let status = node.run(["status", "--lockfile", node.root.url("lock")])
    #expect(status.status == 0, "\(status.stderr)")
    #expect(status.stdoutText.hasPrefix("Not running. Last run 4: success"), "\(status.stdoutText)")
    let output = node.run(["history", "output", "3", "configure/30-check", "--stderr"])
    #expect(output.stdoutText == "check failed\n", "\(output.stdoutText)")
    #expect(try node.schemaVersion() == 10)
    #expect(try Data(contentsOf: URL(fileURLWithPath: node.database)) == before, "a reader changed the file")
  }

  /// A node's disk mounted read-only for forensics: the old schema is read
  /// all the same (its new columns as absent).
  @Test func theOldSchemaOnAReadOnlyFilesystemIsRead() throws {
    var mount = ""
    let node = try UpgradeFixture(onDisk: { directory in
      let mounted = runCommand(
        "/bin/mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", directory], environment: [:])
      try #require(mounted.status == 0, "mounting a tmpfs needs root: \(mounted.stderr)")
      mount = directory
    })
    defer { _ = runCommand("/bin/umount", [mount], environment: [:]) }
    for suffix in ["-wal", "-shm"] { unlink(node.database + suffix) }
    let remounted = runCommand("/bin/mount", ["-o", "remount,ro", mount], environment: [:])
    try #require(remounted.status == 0, "\(remounted.stderr)")
    let list = node.run(["history"])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.stdoutText.split(separator: "\n").count == 5, "\(list.stdoutText)")
    let show = node.run(["history", "show", "3", "--json"])
    #expect(show.status == 0, "\(show.stderr)")
    let diff = node.run(["diff", "2", "4"])
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(diff.stdoutText.contains(#"~ hostname: "node-0" -> "node-1""#), "\(diff.stdoutText)")
  }

  /// The first refresh after the upgrade: scripts first, then the scrub of
  /// what the old release kept in clear; every run and output kept, no
  /// secret left in the file, and no unchanged secret read as changed.
  @Test func theFirstRefreshKeepsEveryRunAndLeavesNoSecretInClear() throws {
    let node = try UpgradeFixture()
    // The old release kept a URL's password, a secret repeated inside
    // another value, and the secrets of its chunked file, in clear.
    #expect(
      try node.secretsInClear() == ["Adm1nPassw0rdValue", "UrlPassw0rdValue", "NovaPassw0rdValue", "MysqlUrlPassw0rd"])
    let refresh = node.refresh()
    #expect(refresh.status == 0, "\(refresh.stderr)")
    let lines = refresh.stderr.split(separator: "\n").map { String($0.dropFirst(26)) }
    let completed = try #require(lines.firstIndex(of: "(os-refresh-config) [INFO] Completed phase post-configure"))
    let scrubbed = try #require(
      lines.firstIndex(
        of: "(os-refresh-config) [INFO] history: secrets an earlier version stored in clear are removed from all 4 runs"
      ),
      "\(refresh.stderr)")
    #expect(completed < scrubbed, "the scrub ran before the scripts")
    #expect(try node.schemaVersion() == Migration.latestVersion)
    #expect(try node.secretsInClear() == [])
    let runs = node.run(["history", "--json", "--limit", "0"])
    let summaries = try JSONContract.decode([JSONContract.RunSummary].self, from: runs.stdout)
    #expect(summaries.map(\.id) == [5, 4, 3, 2, 1])
    #expect(node.run(["history", "output", "3", "configure/30-check", "--stderr"]).stdoutText == "check failed\n")
    // The same files as the fourth run: nothing changed, no secret either.
    let same = node.run(["diff", "4", "5"])
    #expect(same.status == 0, "\(same.stderr)")
    #expect(!same.stdoutText.contains("Inputs"), "\(same.stdoutText)")
    // The first and the fourth run differ by the host name alone: the
    // secret repeated in "notes" and "bootstrap" reads as the same digest.
    let changed = node.run(["diff", "1", "4"])
    #expect(
      changed.stdoutText.hasSuffix(
        """
        Inputs
          changed  \(node.root.url("metadata.json"))
              ~ hostname: "node-0" -> "node-1"
          changed  \(node.root.url("heat.json"))
              ~ hostname: "node-0" -> "node-1"

        """), "\(changed.stdoutText)")
    let store = try HistoryStore.openForReading(at: node.database)
    let first = String(decoding: try store.queries.inputs(run: 1).first?.content ?? [], as: UTF8.self)
    let latest = String(decoding: try store.queries.inputs(run: 5).first?.content ?? [], as: UTF8.self)
    #expect(first.contains(#""notes":"bootstrap with <secret:hmac-sha256:"#), "\(first)")
    #expect(first.replacingOccurrences(of: "node-0", with: "node-1") == latest)
  }

  /// `history migrate` does at once what refreshes do a second at a time;
  /// a second one finds nothing to do.
  @Test func historyMigrateFinishesTheScrubAndASecondFindsNothing() throws {
    let node = try UpgradeFixture()
    let migrate = node.run(["history", "migrate"])
    #expect(migrate.status == 0, "\(migrate.stderr)")
    let lines = migrate.stdoutText.split(separator: "\n")
    #expect(lines.count >= 2, "\(migrate.stdoutText)")
    #expect(lines.first == "history schema 10 upgraded to \(Migration.latestVersion)")
    // Between them, a line a second on where it stands, when the batches
    // take that long (a loaded machine).
    let progress = #/history: secrets an earlier version stored in clear are removed from [0-3] of 4 runs/#
    #expect(
      lines.dropFirst().dropLast().allSatisfy { (try? progress.wholeMatch(in: $0)) != nil }, "\(migrate.stdoutText)")
    #expect(
      lines.last?.hasPrefix("history: secrets an earlier version stored in clear are removed from all 4 runs (")
        == true && lines.last?.contains(", the longest ") == true, "\(migrate.stdoutText)")
    #expect(try node.secretsInClear() == [])
    let stored = try node.storedBytes()
    let again = node.run(["history", "migrate"])
    #expect(again.stdoutText == "history schema \(Migration.latestVersion): up to date\n")
    #expect(try node.storedBytes() == stored, "a second migrate rewrote something")
  }

  /// `history prune` writes by hand, so it migrates an older history first
  /// (a reader's view of one cannot be pruned), and keeps what it must.
  @Test func historyPruneMigratesAnOlderHistoryAndPrunesIt() throws {
    let node = try UpgradeFixture()
    let prune = node.run(["history", "prune", "--keep-runs", "1"])
    #expect(prune.status == 0, "\(prune.stderr)")
    #expect(prune.stdoutText.hasPrefix("removed 2 runs, "), "\(prune.stdoutText)")
    #expect(try node.schemaVersion() == Migration.latestVersion)
    let runs = node.run(["history", "--json", "--limit", "0"])
    let kept = try JSONContract.decode([JSONContract.RunSummary].self, from: runs.stdout)
    #expect(kept.map(\.id) == [4, 3], "the newest run and the newest failure stay")
  }

  /// A busy node's 3000 runs: the scripts run before any of the scrub,
  /// which then takes its share of a second and says where it stands (the
  /// whole scrub is `history migrate`'s, timed in bench/run).
  @Test func onA3000RunHistoryScriptsRunFirst() throws {
    let node = try UpgradeFixture(copies: 750)
    let refresh = node.refresh(["--keep-runs", "0"])
    #expect(refresh.status == 0, "\(refresh.stderr)")
    let lines = refresh.stderr.split(separator: "\n").map { String($0.dropFirst(26)) }
    let started = try #require(lines.firstIndex(of: "(os-refresh-config) [INFO] Starting phase pre-configure"))
    let scrub = try #require(lines.firstIndex { $0.contains("history: secrets an earlier version") }, "\(lines)")
    #expect(started < scrub)
    #expect(lines[scrub].contains(" of 3000 runs; ") || lines[scrub].hasSuffix("all 3000 runs"), "\(lines[scrub])")
  }
}
