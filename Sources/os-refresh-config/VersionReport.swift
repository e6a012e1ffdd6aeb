import RefreshRunner
import RefreshStore

/// `--version`: our version, the history schema this binary writes, and the
/// schema of the database it would use.
enum VersionReport {
  static func text(arguments: [String]) -> String {
    let path = Completions.databasePath(arguments)
    var database: String
    do {
      let version = try HistoryStore.schemaVersionOnDisk(at: path)
      database = version.map { "schema \($0)" } ?? "not created yet"
      if let version, version > Migration.latestVersion { database += " (newer than this binary: refused)" }
    } catch {
      database = "unreadable (\(error))"
    }
    return """
      os-refresh-config \(OSRefreshConfig.configuration.version)
      history schema \(Migration.latestVersion); \(path): \(database)

      """
  }
}
