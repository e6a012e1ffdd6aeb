import ArgumentParser
import RefreshRunner
import RefreshStore
import RunViews
import SystemInterface

/// Where the run history is, shared by the refresh and `history`.
struct DatabaseOptions: ParsableArguments {
  /// The database file; overrides OS_REFRESH_CONFIG_DB.
  @Option(
    help: ArgumentHelp(
      "History database (default: $OS_REFRESH_CONFIG_DB or \(HistoryStore.defaultPath)).", valueName: "path"))
  var db: String?

  /// The path chosen from `--db`, the environment and the default.
  var path: String {
    HistoryStore.path(option: db, environment: ProcessEnvironment.current().dictionary)
  }

  /// Opens the database for a query, marking runs whose process is gone as
  /// abandoned, and sealing them, when the database can be written.
  func open() throws -> HistoryStore {
    let store = try HistoryStore.openForReading(at: path)
    if let notice = store.notice {
      ConsoleLog.writeStandardError("os-refresh-config: warning: \(DisplayText.escaped(notice, singleLine: true))\n")
    }
    if (try? store.abandonStaleRuns(isAlive: ProcessIdentity.isAlive)) ?? 0 > 0 {
      // Sealed now, as a refresh's end would have (the next refresh would
      // otherwise): a key this user cannot use leaves them to that refresh.
      _ = try? store.sealEndedRuns(now: RunClock().wallMicroseconds())
    }
    return store
  }
}
