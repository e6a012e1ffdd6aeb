/// Reading a history of an older schema as it is, without migrating it.
///
/// A reader (`history`, `diff`, `why`, `status`) never writes the schema:
/// a rollback to the release that wrote the file must keep working, and a
/// node's disk mounted read-only for forensics cannot be written at all.
/// Every migration since the first only adds tables and columns (0018 only
/// rewrites constraints, which a reader never meets), so an older
/// file is read through the latest schema's shape: in the connection's
/// TEMP schema, which SQLite searches before MAIN for an unqualified name,
/// a table the file lacks is an empty table of the same columns, and a table
/// missing columns is a view of the file's table with each missing column as
/// its default (NULL for most). Nothing is written to the file; the TEMP
/// schema lives in memory and goes with the connection.
enum OlderSchema {
  /// A table's columns and, for each, the SQL of its default (nil: NULL).
  struct Table: Equatable {
    let name: String
    let columns: [(name: String, defaultSQL: String?)]

    static func == (lhs: Table, rhs: Table) -> Bool {
      lhs.name == rhs.name && lhs.columns.map(\.name) == rhs.columns.map(\.name)
    }
  }

  /// The latest schema's tables, read from an in-memory database migrated
  /// to it (a few milliseconds; only for a file of an older version).
  static func latestTables() throws -> [Table] {
    let scratch = try Database(path: ":memory:")
    try Migrator.migrate(scratch)
    return try tables(of: scratch)
  }

  /// The tables of `database`'s MAIN schema, as SQLite describes them.
  static func tables(of database: Database) throws(SQLiteError) -> [Table] {
    let names = try database.rows(
      "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", []
    ) { $0.text(0) }
    return try names.map { name throws(SQLiteError) in
      Table(
        name: name,
        columns: try database.rows("SELECT name, dflt_value FROM pragma_table_info(?, 'main')", [.text(name)]) {
          ($0.text(0), $0.optionalText(1))
        })
    }
  }

  /// Gives `database` (a file of an older schema) the latest schema's shape
  /// in its TEMP schema. Returns the statements it ran (for tests).
  @discardableResult
  static func shape(_ database: Database) throws -> [String] {
    let found = Dictionary(uniqueKeysWithValues: try tables(of: database).map { ($0.name, $0) })
    var statements: [String] = []
    for table in try latestTables() {
      guard let present = found[table.name] else {
        let columns = table.columns.map { quoted($0.name) }.joined(separator: ", ")
        statements.append("CREATE TEMP TABLE \(quoted(table.name)) (\(columns))")
        continue
      }
      let have = Set(present.columns.map(\.name))
      let missing = table.columns.filter { !have.contains($0.name) }
      guard !missing.isEmpty else { continue }
      let added = missing.map { "\($0.defaultSQL ?? "NULL") AS \(quoted($0.name))" }.joined(separator: ", ")
      statements.append("CREATE TEMP VIEW \(quoted(table.name)) AS SELECT *, \(added) FROM main.\(quoted(table.name))")
    }
    for statement in statements { try database.execute(statement) }
    return statements
  }

  /// An SQL identifier in double quotes.
  private static func quoted(_ name: String) -> String {
    "\"" + name.replacing("\"", with: "\"\"") + "\""
  }
}
