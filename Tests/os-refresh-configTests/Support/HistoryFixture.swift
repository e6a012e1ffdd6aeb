import Foundation
import Testing

@testable import RefreshStore

/// A base directory, a scratch directory and a history database, with
/// helpers to refresh and to query.
final class HistoryFixture {
  let base = TemporaryDirectory("orc-base")
  let scratch = TemporaryDirectory("orc-scratch")
  var database: String { scratch.url("db/history.sqlite") }
  var lock: String { scratch.url("lock") }

  func startRefresh(_ arguments: [String] = [], environment: [String: String] = [:]) -> RunningCommand {
    RunningCommand(
      Binaries.ours, ["--base-dir", base.path, "--lockfile", lock, "--db", database] + arguments,
      environment: Binaries.environment(database: database, environment))
  }

  func refresh(_ arguments: [String] = [], environment: [String: String] = [:], seconds: Double = 60)
    -> CommandResult
  {
    startRefresh(arguments, environment: environment).wait(atMost: seconds)
  }

  func history(_ arguments: [String], seconds: Double = 30) -> CommandResult {
    runCommand(
      Binaries.ours, ["history"] + arguments + ["--db", database],
      environment: Binaries.environment(database: database),
      seconds: seconds)
  }

  /// `history show RUN --json`, parsed.
  func show(_ run: String = "latest") throws -> [String: Any] {
    let result = history(["show", run, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    return try #require(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
  }

  /// The scripts of a `show` object, flattened across phases.
  static func scripts(_ run: [String: Any]) -> [[String: Any]] {
    ((run["phases"] as? [[String: Any]]) ?? []).flatMap { ($0["scripts"] as? [[String: Any]]) ?? [] }
  }

  /// `PRAGMA integrity_check`, through the store.
  func integrity() throws -> String {
    try HistoryStore.openForReading(at: database).integrityCheck()
  }

  /// Reads an integer pid a script wrote to `name` in the scratch directory.
  func pid(_ name: String) -> Int32? {
    scratch.read(name).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }
}
