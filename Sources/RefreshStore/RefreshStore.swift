import CSQLite

/// The version of the SQLite library the store is linked with.
public enum RefreshStore {
  /// `sqlite3_libversion()`, e.g. "3.40.1".
  public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}
