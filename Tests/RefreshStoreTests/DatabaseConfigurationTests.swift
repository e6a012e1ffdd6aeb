import CSQLite
import TestSupport
import Testing

@testable import RefreshStore

/// How SQLite is set up before the first connection.
@Suite struct DatabaseConfigurationTests {
  let folder = TemporaryDirectory("orc-sqlite-config")

  /// SQLite's allocation counts are off (a global mutex on every
  /// allocation, which the writer thread and the runner would share): after
  /// a connection has opened and written, SQLite has counted nothing.
  @Test func sqliteDoesNotCountItsAllocations() throws {
    let database = try Database(path: folder.url("counted.sqlite"))
    try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000))")
    var current: Int64 = -1
    var highest: Int64 = -1
    #expect(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0) == SQLITE_OK)
    #expect(current == 0 && highest == 0, "SQLite counted \(current) bytes in use, \(highest) at most")
  }
}
