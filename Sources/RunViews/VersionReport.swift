import RefreshStore

/// `--version`: our version, the history schema this binary writes, and the
/// schema of the database at `path`, read without changing anything.
public enum VersionReport {
  /// The report for `version`, about the database at `path`.
  public static func text(version: String, databasePath path: String) -> String {
    var database: String
    do {
      let found = try HistoryStore.schemaVersionOnDisk(at: path)
      database = found.map { "schema \($0)" } ?? "not created yet"
      if let found, found > Migration.latestVersion { database += " (newer than this binary: refused)" }
    } catch {
      database = "unreadable (\(error))"
    }
    return """
      os-refresh-config \(version)
      history schema \(Migration.latestVersion); \(path): \(database)

      """
  }
}
