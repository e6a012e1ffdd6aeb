import CSQLite
import SystemInterface

/// An open SQLite connection. It owns the `sqlite3` handle and closes it when released.
///
/// Every C return code passes through ``check(_:sql:)``, so every failure
/// becomes a ``SQLiteError`` with the extended code, the message and the SQL.
package final class Database {
  private let handle: OpaquePointer
  /// The database file's path.
  package let path: String
  private var statements: [String: Statement] = [:]
  /// How long a statement waits for a lock another connection holds.
  private(set) var busyTimeoutMilliseconds: Int32
  /// The name and flags it was opened with, for ``sibling()``.
  private let opened: (name: String, flags: Int32)

  /// Opens (and with `create`, creates) the database at `path`, with a busy
  /// timeout set before any statement runs and extended result codes on.
  ///
  /// With `noFollow`, a symbolic link at `path` is refused: "The database
  /// filename is not allowed to contain a symbolic link"
  /// (SQLITE_OPEN_NOFOLLOW, https://sqlite.org/c3ref/open.html).
  ///
  /// With `immutable` (read-only), the file is opened as one nothing can
  /// change, on a read-only filesystem where SQLite cannot make the WAL's
  /// shared-memory file: "SQLite assumes that the database file cannot be
  /// changed, even by a process with higher privilege", and takes no locks
  /// (https://sqlite.org/uri.html#uriimmutable). Our path becomes a URI
  /// here, every byte but unreserved ones and `/` percent-encoded, so no
  /// part of it is ever read as a URI parameter.
  package convenience init(
    path: String, readOnly: Bool = false, create: Bool = true, noFollow: Bool = false, immutable: Bool = false,
    busyTimeoutMilliseconds: Int32 = 5000
  ) throws(SQLiteError) {
    var flags = readOnly || immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
    if create && !readOnly && !immutable { flags |= SQLITE_OPEN_CREATE }
    if noFollow { flags |= SQLITE_OPEN_NOFOLLOW }
    if immutable { flags |= SQLITE_OPEN_URI }
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    let name = immutable ? "file:" + Self.percentEncoded(path) + "?immutable=1" : path
    try self.init(opening: name, path: path, flags: flags, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
  }

  /// Done once, before the first connection: SQLite's allocation counts
  /// (a global mutex on every allocation) are off; we never read them.
  private static let configured: Void = { _ = orc_sqlite_stop_counting_memory() }()

  private init(opening name: String, path: String, flags: Int32, busyTimeoutMilliseconds: Int32) throws(SQLiteError) {
    _ = Self.configured
    var opened: OpaquePointer?
    let status = sqlite3_open_v2(name, &opened, flags, nil)
    guard let opened else {
      throw SQLiteError(extendedCode: status, message: "cannot allocate a connection", sql: nil)
    }
    guard status == SQLITE_OK else {
      let error = SQLiteError(extendedCode: status, message: String(cString: sqlite3_errmsg(opened)), sql: nil)
      sqlite3_close_v2(opened)
      throw error
    }
    handle = opened
    self.path = path
    self.opened = (name, flags)
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
  }

  /// Another connection to the same file, opened the same way (read-only,
  /// immutable, no symbolic link), with the same busy timeout: for a reader
  /// that works on two threads.
  package func sibling() throws(SQLiteError) -> Database {
    try Database(
      opening: opened.name, path: path, flags: opened.flags & ~SQLITE_OPEN_CREATE,
      busyTimeoutMilliseconds: busyTimeoutMilliseconds)
  }

  /// `path` with every byte but `A-Z a-z 0-9 - . _ ~ /` as `%XX`.
  static func percentEncoded(_ path: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var encoded: [UInt8] = []
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"), UInt8(ascii: "/"):
        encoded.append(byte)
      default:
        encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
      }
    }
    return String(decoding: encoded, as: UTF8.self)
  }

  deinit {
    statements.removeAll()
    sqlite3_close_v2(handle)
  }

  // MARK: - Running SQL

  /// Runs one or more statements that return no rows.
  package func execute(_ sql: String) throws(SQLiteError) {
    try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
  }

  /// Runs `body` with the connection allowing edits of its schema's text
  /// (`SQLITE_DBCONFIG_DEFENSIVE` off, SQLite's default), then puts the
  /// setting back: for a migration that changes a constraint in place.
  package func allowingSchemaEdits<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
    let was = orc_sqlite_defensive(handle, 0)
    defer { _ = orc_sqlite_defensive(handle, was) }
    return try body()
  }

  /// The statement for `sql`, prepared once per connection and reused.
  package func statement(_ sql: String) throws(SQLiteError) -> Statement {
    if let cached = statements[sql] {
      cached.reset()
      return cached
    }
    var prepared: OpaquePointer?
    try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil), sql: sql)
    let statement = Statement(handle: prepared!, database: self, sql: sql)
    statements[sql] = statement
    return statement
  }

  /// Runs `body` in a transaction: `BEGIN IMMEDIATE` (the write lock taken at
  /// once, waiting up to the busy timeout), `COMMIT`, or `ROLLBACK` when it throws.
  ///
  /// - Parameter durable: when true the commit is synced to disk
  ///   (`PRAGMA synchronous = FULL`); otherwise it may be lost on power loss
  ///   until the next durable commit (`NORMAL`, which in WAL mode "does not
  ///   fsync the WAL on every commit", https://sqlite.org/pragma.html#pragma_synchronous).
  ///
  /// Inside another transaction (a bulk load) it becomes a savepoint of it.
  package func transaction<T>(durable: Bool = false, _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
    if sqlite3_get_autocommit(handle) == 0 {
      try statement("SAVEPOINT nested").run()
      do {
        let value = try body()
        try statement("RELEASE nested").run()
        return value
      } catch {
        _ = try? statement("ROLLBACK TO nested").run()
        _ = try? statement("RELEASE nested").run()
        throw error
      }
    }
    try begin(durable: durable)
    do {
      let value = try body()
      try commit(durable: durable)
      return value
    } catch {
      rollback()
      throw error
    }
  }

  /// Begins a write transaction (`FULL` when `durable`, else `NORMAL`)
  /// that ``transaction(durable:_:)`` joins as a savepoint until
  /// ``commit(durable:)`` or ``rollback()``: many batches, one commit.
  package func begin(durable: Bool = false) throws(SQLiteError) {
    try setSynchronous(durable ? 2 : 1)
    try statement("BEGIN IMMEDIATE").run()
  }

  /// Commits what ``begin(durable:)`` began, with the same `durable`.
  package func commit(durable: Bool = false) throws(SQLiteError) {
    try statement("COMMIT").run()
    logSync?.noteCommit(durable: durable)
  }

  /// Rolls back what ``begin(durable:)`` began, if it is still open.
  package func rollback() {
    guard sqlite3_get_autocommit(handle) == 0 else { return }
    _ = try? statement("ROLLBACK").run()
  }

  /// Runs `body` in a read transaction, so every query in it sees the same
  /// snapshot (in WAL mode, "a reader … sees the database as it was when
  /// the read transaction started", https://sqlite.org/wal.html).
  package func readTransaction<T>(_ body: () throws -> T) throws -> T {
    guard sqlite3_get_autocommit(handle) != 0 else { return try body() }
    try statement("BEGIN DEFERRED").run()
    defer { _ = try? statement("COMMIT").run() }
    return try body()
  }

  private var synchronousLevel: Int32 = -1

  /// Syncs commits made with `NORMAL` off the calling thread, when started.
  package var logSync: LogSync?

  /// Sets `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL (only when it changes).
  func setSynchronous(_ level: Int32) throws(SQLiteError) {
    guard level != synchronousLevel else { return }
    try execute("PRAGMA synchronous = \(["OFF", "NORMAL", "FULL"][Int(level)])")
    synchronousLevel = level
  }

  /// Sets how long statements wait for a lock another connection holds.
  package func setBusyTimeout(milliseconds: Int32) {
    busyTimeoutMilliseconds = milliseconds
    sqlite3_busy_timeout(handle, milliseconds)
  }

  /// Runs `body` with another busy timeout, then restores the usual one.
  package func withBusyTimeout<T>(milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
    sqlite3_busy_timeout(handle, milliseconds)
    defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
    return try body()
  }

  /// Runs `body` (which makes its own transaction) with foreign key checks
  /// off, then turns them back on if they were: for deletes whose safety a
  /// reference count kept in the same transaction already proves. The
  /// pragma is a no-op inside a transaction, so it is set around one.
  package func withoutForeignKeyChecks<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
    let wasOn = try integerPragma("foreign_keys") != 0
    if wasOn { try execute("PRAGMA foreign_keys = OFF") }
    defer { if wasOn { _ = try? execute("PRAGMA foreign_keys = ON") } }
    return try body()
  }

  /// The rowid of the last row inserted on this connection.
  package var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// How many rows the last INSERT, UPDATE or DELETE on this connection changed.
  package var changedRows: Int64 { Int64(sqlite3_changes(handle)) }

  /// Runs a query for its first row only and reads it with `read`; nil when
  /// there is no row. The statement is reset at once, so it holds no read
  /// transaction open (which would block `journal_mode` changes and keep
  /// checkpoints from truncating the WAL).
  package func firstRow<T>(
    _ sql: String, _ values: [Statement.Value] = [], _ read: (Statement) throws(SQLiteError) -> T
  ) throws(SQLiteError) -> T? {
    let statement = try statement(sql).bind(values)
    defer { statement.reset() }
    guard try statement.step() else { return nil }
    return try read(statement)
  }

  /// ``firstRow(_:_:_:)`` with named parameters.
  package func firstRow<T>(
    _ sql: String, named values: [(String, Statement.Value)], _ read: (Statement) throws(SQLiteError) -> T
  ) throws(SQLiteError) -> T? {
    let statement = try statement(sql).bind(named: values)
    defer { statement.reset() }
    guard try statement.step() else { return nil }
    return try read(statement)
  }

  /// ``rows(_:_:_:)`` with named parameters.
  package func rows<T>(
    _ sql: String, named values: [(String, Statement.Value)], _ read: (Statement) throws(SQLiteError) -> T
  ) throws(SQLiteError) -> [T] {
    let statement = try statement(sql).bind(named: values)
    defer { statement.reset() }
    var result: [T] = []
    while try statement.step() { result.append(try read(statement)) }
    return result
  }

  /// Runs a query and reads every row with `read`.
  package func rows<T>(
    _ sql: String, _ values: [Statement.Value] = [], _ read: (Statement) throws(SQLiteError) -> T
  ) throws(SQLiteError) -> [T] {
    let statement = try statement(sql).bind(values)
    defer { statement.reset() }
    var result: [T] = []
    while try statement.step() { result.append(try read(statement)) }
    return result
  }

  /// The value of an integer pragma, e.g. `user_version`.
  package func integerPragma(_ name: String) throws(SQLiteError) -> Int64 {
    try firstRow("PRAGMA \(name)") { $0.int64(0) } ?? 0
  }

  // MARK: - Errors

  /// Turns a non-OK return code into a ``SQLiteError``.
  @discardableResult
  func check(_ status: Int32, sql: String?) throws(SQLiteError) -> Int32 {
    switch status {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return status
    default:
      throw SQLiteError(extendedCode: status, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
  }
}
