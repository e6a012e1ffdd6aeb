import Foundation
import TestSupport
import Testing

@testable import RefreshStore

@Suite struct MigrationTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("migrations")

  @Test func theEmbeddedListIsTheMigrationsFolderByteForByte() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".sql") }
      .sorted()
    #expect(files == Migration.all.map(\.fileName))
    for migration in Migration.all {
      let onDisk = try String(contentsOf: Self.folder.appendingPathComponent(migration.fileName), encoding: .utf8)
      #expect(onDisk == migration.sql, "\(migration.fileName) differs from the embedded copy")
      #expect(Int(migration.fileName.prefix(4)) == migration.version)
    }
    #expect(Migration.all.map(\.version) == Array(1...Migration.all.count), "versions must run 1…N without gaps")
  }

  /// For each earlier version: a database made at that version, with data in
  /// it, is upgraded to the latest and keeps every row.
  @Test(arguments: 0..<Migration.latestVersion)
  func upgradesFromEveryEarlierVersionKeepingItsData(version: Int) throws {
    let directory = TemporaryDirectory("orc-store")
    let path = directory.path + "/history.sqlite"
    let database = try Database(path: path)
    try Migrator.migrate(database, upTo: version)
    #expect(try database.integerPragma("user_version") == Int64(version))
    let fixture = Fixtures.rows(at: version)
    try database.execute(fixture.insert)
    try Migrator.migrate(database)
    #expect(try database.integerPragma("user_version") == Int64(Migration.latestVersion))
    for (query, expected) in fixture.checks {
      let statement = try database.statement(query)
      #expect(try statement.step())
      #expect(statement.int64(0) == expected, "\(query)")
    }
  }

  /// Migration 0018 edits the tables' CHECKs in place: each connection
  /// open on the file (the migrating one and another) reads them again,
  /// and then inserts a row without building an index for the check, which
  /// still refuses what is not in the vocabulary.
  @Test func theVocabularyChecksAreComparisonsThatStillHoldOnEveryConnection() throws {
    let directory = TemporaryDirectory("orc-store")
    let path = directory.path + "/history.sqlite"
    let database = try Database(path: path)
    try Migrator.migrate(database, upTo: 17)
    try database.execute(Fixtures.run(1, status: "running"))
    let other = try Database(path: path)
    let insert = """
      INSERT INTO file_changes (run_id, path, change, found, by_refresh, seen_at, file_kind)
        VALUES (1, ?, ?, 'during_run', 1, 1, 'regular')
      """
    // The program an insert runs, once a statement read the schema (an
    // EXPLAIN alone never checks it, and is prepared anew for each `when`).
    let opcodes = { (connection: Database, when: String) throws -> [String] in
      _ = try connection.firstRow("SELECT count(*) FROM file_changes") { $0.int64(0) }
      return try connection.rows("EXPLAIN \(insert) -- \(when)", [.text("/p"), .text("created")]) { $0.text(1) }
    }
    #expect(try opcodes(other, "before").contains("OpenEphemeral"), "an IN list builds an index for each row")
    try Migrator.migrate(database)
    for connection in [database, other] {
      #expect(try !opcodes(connection, "after").contains("OpenEphemeral"))
      try connection.statement(insert).run([.text("/ok"), .text("metadata")])
      #expect(throws: SQLiteError.self) { try connection.statement(insert).run([.text("/no"), .text("touched")]) }
    }
    #expect(throws: SQLiteError.self) { try database.execute(Fixtures.run(2, status: "finished")) }
    #expect(try database.firstRow("PRAGMA integrity_check") { $0.text(0) } == "ok")
    #expect(try database.firstRow("SELECT count(*) FROM file_changes") { $0.int64(0) } == 2)
  }

  @Test func aDatabaseFromANewerBinaryIsRefusedAndLeftUntouched() throws {
    let directory = TemporaryDirectory("orc-store")
    let path = directory.path + "/history.sqlite"
    do {
      let database = try Database(path: path)
      try Migrator.migrate(database)
      try database.execute(
        """
        INSERT INTO runs (id, started_at, status, base_dir, hostname, pid, boot_id, process_start, version,
                          command_line, planned_scripts)
          VALUES (1, 1, 'success', '/b', 'h', 1, 'boot', 1, '9.9.9', '[]', 0);
        PRAGMA user_version = \(Migration.latestVersion + 1);
        """)
    }
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    // The refusal names the release that wrote it, for the rollback's operator.
    let refusal = StoreError.newerSchema(
      path: path, found: Migration.latestVersion + 1, known: Migration.latestVersion, writtenBy: "9.9.9")
    #expect(refusal.description.contains("(its newest run recorded by os-refresh-config 9.9.9), newer than"))
    #expect(throws: refusal) {
      _ = try HistoryStore.openForRecording(at: path, now: 0)
    }
    #expect(throws: StoreError.self) { _ = try HistoryStore.openForReading(at: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }
}

/// Rows to put in a database at each schema version, and what must still be
/// there after the upgrade. Version 0 is an empty database (nothing to keep
/// but its existence); each later migration adds its version here.
enum Fixtures {
  /// A run row with the columns every version has.
  static func run(_ id: Int, status: String) -> String {
    """
    INSERT INTO runs (id, started_at, status, base_dir, hostname, pid, boot_id, process_start, version, command_line)
      VALUES (\(id), 1, '\(status)', '/b', 'h', 1, 'boot', 1, 'v', '[]');
    """
  }

  static func rows(at version: Int) -> (insert: String, checks: [(String, Int64)]) {
    switch version {
    case 0:
      return (
        "CREATE TABLE before_history (x INTEGER); INSERT INTO before_history VALUES (42);",
        [("SELECT x FROM before_history", 42), ("SELECT count(*) FROM runs", 0)]
      )
    case 1:
      // A run with a script whose stdout is shared by two rows and whose
      // content is the metadata's too: reference counts must come out as 3.
      return (
        """
        INSERT INTO contents (id, sha256, size, data) VALUES (1, 'aa', 2, x'6869'), (2, 'bb', 1, x'21');
        INSERT INTO runs (id, started_at, status, base_dir, hostname, pid, boot_id, process_start, version,
                          command_line)
          VALUES (7, 1, 'success', '/b', 'h', 1, 'boot', 1, 'v', '[]');
        INSERT INTO run_inputs (run_id, kind, position, path, sha256, content_id)
          VALUES (7, 'config', 0, '/m.json', 'aa', 1);
        INSERT INTO scripts (run_id, phase, name, path, position, started_at, status, stdout_head, stderr_tail)
          VALUES (7, 'configure', '10-a', '/b/configure.d/10-a', 0, 1, 'success', 1, 2),
                 (7, 'configure', '20-b', '/b/configure.d/20-b', 1, 1, 'success', 1, NULL);
        """,
        [
          ("SELECT count(*) FROM runs WHERE id = 7 AND status = 'success'", 1),
          ("SELECT count(*) FROM scripts WHERE run_id = 7", 2),
          ("SELECT refs FROM contents WHERE id = 1", 3), ("SELECT refs FROM contents WHERE id = 2", 1),
        ]
      )
    case 2:
      // A run recorded before PID namespaces were: it gets '' (unknown).
      return (
        run(9, status: "running"),
        [
          ("SELECT count(*) FROM runs WHERE id = 9 AND pid_namespace = ''", 1),
          ("SELECT count(*) FROM runs WHERE id = 9 AND status = 'running'", 1),
        ]
      )
    case 3:
      // Version 4 marks a scrub of secrets stored in clear as pending; the
      // rows themselves are rewritten after the runs of the next refreshes,
      // in code (version 15 keeps where it stands).
      return (
        run(11, status: "success"),
        [
          ("SELECT count(*) FROM runs WHERE id = 11", 1),
          ("SELECT count(*) FROM scrub_progress WHERE next_run = 0 AND last_run = 11 AND total_runs = 1", 1),
        ]
      )
    case 4:
      // Inputs recorded before their source was: NULL.
      return (
        run(12, status: "success")
          + "INSERT INTO run_inputs (run_id, kind, position, path) VALUES (12, 'config', 0, '/m.json');",
        [("SELECT count(*) FROM run_inputs WHERE run_id = 12 AND source IS NULL", 1)]
      )
    case 5:
      // Scripts and phases recorded before channels and environment.d
      // failures were: separate, no terminal, no failure.
      return (
        run(13, status: "failed")
          + """
          INSERT INTO phases (run_id, name, position, status) VALUES (13, 'configure', 1, 'failed');
          INSERT INTO scripts (run_id, phase, name, path, position, started_at, status)
            VALUES (13, 'configure', '10-a', '/b/configure.d/10-a', 0, 1, 'failed');
          """,
        [
          ("SELECT count(*) FROM scripts WHERE run_id = 13 AND output_combined = 0 AND output_terminal = 0", 1),
          ("SELECT count(*) FROM phases WHERE run_id = 13 AND environment_failed = 0 AND environment_file IS NULL", 1),
        ]
      )
    case 6:
      // Runs recorded before the pending log: nothing applied from it.
      return (
        run(14, status: "success")
          + """
          INSERT INTO scripts (run_id, phase, name, path, position, started_at, status)
            VALUES (14, 'configure', '10-a', '/b/configure.d/10-a', 0, 1, 'success');
          """,
        [
          ("SELECT count(*) FROM runs WHERE id = 14 AND logged_through = 0", 1),
          ("SELECT count(*) FROM scripts WHERE run_id = 14 AND log_seq IS NULL", 1),
        ]
      )
    case 7:
      // No digest remembered yet: every script is read by the first run.
      return (run(15, status: "success"), [("SELECT count(*) FROM file_digests", 0)])
    case 8:
      // Inputs recorded before chunking: stored whole.
      return (
        run(16, status: "success")
          + "INSERT INTO run_inputs (run_id, kind, position, path) VALUES (16, 'config', 0, '/m.json');",
        [
          ("SELECT count(*) FROM run_inputs WHERE run_id = 16 AND chunked = 0", 1),
          ("SELECT count(*) FROM input_chunks", 0),
        ]
      )
    case 9:
      // Runs recorded before traces: no ids stored (export derives them),
      // nothing pruned yet.
      return (
        run(17, status: "failed"),
        [
          ("SELECT count(*) FROM runs WHERE id = 17 AND trace_id IS NULL AND span_id IS NULL", 1),
          ("SELECT count(*) FROM pruned_runs", 0),
        ]
      )
    case 10:
      // Version 11 marks the scrub pending again, in a database whose
      // earlier scrub ran: credentials inside values were stored as they came.
      return (
        run(18, status: "success") + "DROP TABLE secrets_scrub_pending;",
        [
          ("SELECT count(*) FROM runs WHERE id = 18", 1),
          ("SELECT count(*) FROM scrub_progress WHERE last_run = 18", 1),
        ]
      )
    case 11:
      // Keyed digests stored under the plain name get their prefix: an
      // environment.d file's, a config whose content was not kept; one kept
      // masked is told by its content, so by the scrub after a run's end
      // (marked pending); a config kept as it was keeps its plain SHA-256.
      return (
        run(19, status: "success")
          + """
          INSERT INTO contents (id, sha256, size, data) VALUES
            (91, 'c1', 9, CAST('{"a": 1}' AS BLOB)), (92, 'c2', 40, CAST('{"p": "<secret:hmac-sha256:ff>"}' AS BLOB));
          INSERT INTO run_inputs (run_id, kind, position, path, sha256, content_id) VALUES
            (19, 'environment', 0, '/b/environment.d/10-e', 'e0', NULL),
            (19, 'config', 0, '/plain.json', 'p0', 91),
            (19, 'config', 1, '/masked.json', 'm0', 92),
            (19, 'config', 2, '/not-json', 'n0', NULL);
          """,
        [
          ("SELECT count(*) FROM run_inputs WHERE run_id = 19 AND sha256 = 'hmac-sha256:e0'", 1),
          ("SELECT count(*) FROM run_inputs WHERE run_id = 19 AND sha256 = 'p0'", 1),
          ("SELECT count(*) FROM run_inputs WHERE run_id = 19 AND sha256 = 'm0'", 1),
          ("SELECT count(*) FROM scrub_progress WHERE last_run = 19", 1),
          ("SELECT count(*) FROM run_inputs WHERE run_id = 19 AND sha256 = 'hmac-sha256:n0'", 1),
        ]
      )
    case 12:
      // run_inputs is rebuilt to admit templates: every row and column kept.
      return (
        run(20, status: "failed")
          + """
          INSERT INTO contents (id, sha256, size, data) VALUES (93, 'c3', 8, CAST('{"b": 2}' AS BLOB));
          INSERT INTO run_inputs (run_id, kind, position, path, sha256, content_id, error, source, chunked) VALUES
            (20, 'config', 0, '/m.json', 'c3', 93, NULL, 'OS_CONFIG_FILES', 0),
            (20, 'config', 1, '/big.json', 'hmac-sha256:b', NULL, 'too big', 'OS_CONFIG_FILES', 1),
            (20, 'environment', 0, '/b/environment.d/10-e', 'hmac-sha256:e', NULL, NULL, NULL, 0);
          """,
        [
          ("SELECT count(*) FROM run_inputs WHERE run_id = 20", 3),
          (
            "SELECT count(*) FROM run_inputs WHERE run_id = 20 AND kind = 'config' AND position = 0 AND path = '/m.json'"
              + " AND sha256 = 'c3' AND content_id = 93 AND source = 'OS_CONFIG_FILES' AND chunked = 0", 1
          ),
          ("SELECT count(*) FROM run_inputs WHERE run_id = 20 AND chunked = 1 AND error = 'too big'", 1),
          ("SELECT count(*) FROM runs WHERE id = 20 AND kernel IS NULL", 1),
        ]
      )
    case 13:
      // The deployments table is new: every run kept, none with a deployment.
      return (
        run(21, status: "success"),
        [
          ("SELECT count(*) FROM runs WHERE id = 21 AND status = 'success'", 1),
          ("SELECT count(*) FROM deployments", 0),
        ]
      )
    case 14:
      // A history whose scrub ran has none pending.
      return (
        run(22, status: "success") + "DROP TABLE secrets_scrub_pending;",
        [("SELECT count(*) FROM scrub_progress", 0)]
      )
    case 15:
      // Watching files is new: every run kept, no file recorded, and the
      // next run's start records the baseline.
      return (
        run(23, status: "failed"),
        [
          ("SELECT count(*) FROM runs WHERE id = 23 AND status = 'failed'", 1),
          ("SELECT count(*) FROM file_changes", 0), ("SELECT count(*) FROM file_state", 0),
          ("SELECT count(*) FROM file_watches", 0),
        ]
      )
    case 16:
      // Sealing is new: the runs before it are recorded before sealing (the
      // first run sealed is the next), none sealed, no key made yet.
      return (
        run(24, status: "success"),
        [
          ("SELECT count(*) FROM runs WHERE id = 24 AND status = 'success'", 1),
          ("SELECT first_run FROM seal_state", 25), ("SELECT next_position FROM seal_state", 0),
          ("SELECT count(*) FROM seal_state WHERE key_created_at IS NULL", 1), ("SELECT count(*) FROM run_seals", 0),
        ]
      )
    case 17:
      // The vocabulary checks become comparisons: every row kept, no IN
      // list left in any table's definition (that they still hold is
      // theVocabularyChecksAreComparisonsThatStillHoldOnEveryConnection).
      return (
        run(26, status: "success")
          + """
          INSERT INTO file_changes (run_id, path, change, found, by_refresh, seen_at, file_kind)
            VALUES (26, '/etc/a.conf', 'created', 'during_run', 1, 1, 'regular');
          """,
        [
          ("SELECT count(*) FROM runs WHERE id = 26 AND status = 'success'", 1),
          ("SELECT count(*) FROM file_changes WHERE run_id = 26 AND change = 'created'", 1),
          ("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%CHECK (%IN (''%'", 0),
          ("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%change = ''metadata''%'", 1),
        ]
      )
    default:
      Issue.record("no fixture for schema version \(version): add one with the migration")
      return ("", [])
    }
  }
}
