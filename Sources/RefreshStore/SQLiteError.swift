import CSQLite

/// A failed SQLite call: the extended result code, SQLite's message, and the
/// SQL that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
  /// The extended result code, e.g. 778 (SQLITE_IOERR_WRITE).
  public let extendedCode: Int32
  /// `sqlite3_errmsg` at the time of the failure.
  public let message: String
  /// The statement that failed, when there was one.
  public let sql: String?

  /// The primary result code (the low byte of the extended one).
  public var code: Int32 { extendedCode & 0xff }

  /// The database file is not a database or is damaged (SQLITE_CORRUPT, SQLITE_NOTADB).
  public var isCorruption: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }

  /// Damage found by a check of ours rather than reported by SQLite (SQLITE_CORRUPT).
  static func corruption(_ message: String) -> SQLiteError {
    SQLiteError(extendedCode: SQLITE_CORRUPT, message: message, sql: nil)
  }

  public var description: String {
    let name = String(cString: sqlite3_errstr(extendedCode))
    var text = "SQLite error \(extendedCode) (\(name)): \(message)"
    if let sql { text += " [\(sql.split(whereSeparator: \.isNewline).joined(separator: " "))]" }
    return text
  }
}
