import ContentEncoding
import FileWatch
import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// The writer thread's held transaction: a stream of file changes goes into
/// one open transaction, and what comes after them (a script's end) joins
/// it before it is committed; when a record in it fails, nothing of it is
/// kept and every record of it is applied again, once, when the database
/// takes records again.
@Suite struct PendingWriterTests {
  let folder = TemporaryDirectory("orc-writer")
  var path: String { folder.url("db/history.sqlite") }

  static func change(_ index: Int, run: Int64) -> LogRecord {
    var record = FileChangeRecord(
      path: "/w/f\(index)", change: .created, found: .duringRun, byRefresh: true, seenAt: Int64(index),
      state: FileState(
        kind: .regular, device: 1, inode: Int64(100 + index), size: 4, modified: 1, changed: 1, mode: 0o644,
        owner: 0, group: 0))
    record.content = Array("v\(index)\n".utf8)
    record.sha256 = ContentDigest.sha256Hex(record.content!)
    return .fileChange(sequence: Int64(index + 1), runID: run, record)
  }

  /// Whether another connection holds the database's write lock (the
  /// writer's open transaction): `BEGIN IMMEDIATE` finds it busy at once.
  static func writeLocked(_ database: Database) -> Bool {
    database.withBusyTimeout(milliseconds: 0) {
      do {
        try database.execute("BEGIN IMMEDIATE")
        database.rollback()
        return false
      } catch {
        return true
      }
    }
  }

  /// A history with one run begun: the store, and the run's id.
  func historyWithARun() throws -> (HistoryStore, Int64) {
    let store = try HistoryStore.openForRecording(at: path, now: 0).store
    let run = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 1, inputs: []))
    return (store, run)
  }

  static func count(_ table: String, in database: Database) throws -> Int64? {
    try database.firstRow("SELECT count(*) FROM \(table)") { $0.int64(0) }
  }

  @Test func aHeldTransactionThatFailsIsRolledBackAndAppliedAgainWhole() throws {
    let (store, run) = try historyWithARun()
    // The 16th change fails, as a full disk would, until the test lets it in.
    try store.database.execute(
      """
      CREATE TRIGGER test_refuse BEFORE INSERT ON file_changes WHEN NEW.path = '/w/f15'
      BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
      """)
    let writer = try #require(PendingWriter(files: HistoryFiles(database: path)))
    defer { writer.stop() }
    // The first ten go into the held transaction (which holds the write
    // lock until it is committed); the next ten join it, and one fails.
    writer.submit((0..<10).map { Self.change($0, run: run) })
    #expect(waitUntil(seconds: 30) { Self.writeLocked(store.database) }, "the writer holds its transaction open")
    writer.submit((10..<20).map { Self.change($0, run: run) })
    #expect(waitUntil(seconds: 30) { writer.failed != nil })
    #expect(writer.failed?.contains("refused by the test") == true)
    // Nothing of the failed transaction is in the database.
    #expect(try Self.count("file_changes", in: store.database) == 0)
    try store.database.execute("DROP TRIGGER test_refuse")
    #expect(writer.drain(seconds: 30))
    let paths = try store.database.rows("SELECT path FROM file_changes WHERE run_id = ? ORDER BY id", [.integer(run)]) {
      $0.text(0)
    }
    #expect(paths == (0..<20).map { "/w/f\($0)" }, "every change once, in order")
    #expect(try Self.count("file_state", in: store.database) == 20)
    // Each text is referred to by its version and by the path's state.
    let references = try store.database.rows(
      "SELECT refs FROM contents WHERE id IN (SELECT content_id FROM file_changes)"
    ) { $0.int64(0) }
    #expect(references == Array(repeating: 2, count: 20))
  }

  /// The changes held open and the record after them are one transaction:
  /// when the record after them fails, the changes are not kept either,
  /// and all of it is applied once the database takes it.
  @Test func theRecordAfterHeldChangesIsCommittedWithThem() throws {
    let (store, run) = try historyWithARun()
    try store.database.execute(
      """
      CREATE TRIGGER test_refuse BEFORE INSERT ON phases
      BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
      """)
    let writer = try #require(PendingWriter(files: HistoryFiles(database: path)))
    defer { writer.stop() }
    writer.submit((0..<10).map { Self.change($0, run: run) })
    #expect(waitUntil(seconds: 30) { Self.writeLocked(store.database) }, "the writer holds its transaction open")
    let phase = PhaseRecord(
      phase: .configure, status: .success, startedAt: 1, finishedAt: 2, durationMicroseconds: 1)
    writer.submit([.phase(sequence: 11, runID: run, phase)])
    #expect(waitUntil(seconds: 30) { writer.failed != nil })
    #expect(try Self.count("file_changes", in: store.database) == 0, "the held changes went with the phase")
    try store.database.execute("DROP TRIGGER test_refuse")
    #expect(writer.drain(seconds: 30))
    #expect(try Self.count("file_changes", in: store.database) == 10)
    #expect(try Self.count("phases", in: store.database) == 1)
    #expect(try Self.count("file_state", in: store.database) == 10)
  }
}
