/// Brings a database's schema up to date, one migration per transaction.
///
/// The version lives in `PRAGMA user_version`. Each migration runs in an
/// immediate transaction together with setting the new version, so a crash
/// leaves the database at the old version or the new one, never between. A
/// database whose version is newer than every migration we know was written
/// by a newer binary: it is refused and left untouched.
enum Migrator {
  /// The refusal of a database of a newer schema, naming the release that
  /// recorded its newest run when that can still be read.
  static func newerSchema(_ database: Database, found: Int, known: Int) -> StoreError {
    let version = try? database.firstRow("SELECT version FROM runs ORDER BY id DESC LIMIT 1") { $0.text(0) }
    let release = version.flatMap { $0 }.map { String($0.prefix(40).filter { $0.isASCII && !$0.isWhitespace }) }
    return .newerSchema(path: database.path, found: found, known: known, writtenBy: release)
  }

  /// Migrates `database` up to `target`.
  /// - Returns: the version found before migrating.
  @discardableResult
  static func migrate(
    _ database: Database, upTo target: Int = Migration.latestVersion, migrations: [Migration] = Migration.all
  ) throws -> Int {
    let known = migrations.last?.version ?? 0
    let found = Int(try database.integerPragma("user_version"))
    if found > known { throw newerSchema(database, found: found, known: known) }
    let pending = migrations.filter { $0.version > found && $0.version <= target }
    for migration in pending {
      try database.transaction(durable: true) { () throws(SQLiteError) in
        // Another process may have migrated while we waited for the lock.
        guard try database.integerPragma("user_version") < migration.version else { return }
        if migration.editsSchemaInPlace {
          try database.allowingSchemaEdits { () throws(SQLiteError) in
            try database.execute(migration.sql)
            // The last step of SQLite's procedure: the schema's version
            // moves on, so every connection (this one too) reads the edited
            // definitions again before its next statement.
            // (A 32-bit number in the file's header: past its largest, 1.)
            let schema = try database.integerPragma("schema_version")
            try database.execute("PRAGMA schema_version = \(schema < Int64(Int32.max) ? schema + 1 : 1)")
          }
        } else {
          try database.execute(migration.sql)
        }
        try database.execute("PRAGMA user_version = \(migration.version)")
      }
    }
    if !pending.isEmpty {
      // The migrations' pages are in the write-ahead log: copied into the
      // database and the log emptied, so a new history on a small disk
      // does not start with the schema's every version held twice. Best
      // effort: a reader may hold the log, and then it is emptied later.
      try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
    return found
  }
}
