import Foundation
import RefreshStore
import RefreshVocabulary
import Testing

/// A base directory, a scratch directory and a history database, with
/// helpers to refresh and to query.
public final class HistoryFixture {
  public let base = TemporaryDirectory("orc-base")
  public let scratch = TemporaryDirectory("orc-scratch")
  public var database: String { scratch.url("db/history.sqlite") }
  public var lock: String { scratch.url("lock") }

  /// A fresh base directory and scratch directory.
  public init() {}

  public func startRefresh(
    _ arguments: [String] = [], environment: [String: String] = [:], combinedOutput: Bool = false
  ) -> RunningCommand {
    RunningCommand(
      Binaries.ours, ["--base-dir", base.path, "--lockfile", lock, "--db", database] + arguments,
      environment: Binaries.environment(database: database, environment), combinedOutput: combinedOutput)
  }

  public func refresh(
    _ arguments: [String] = [], environment: [String: String] = [:], seconds: Double = 60,
    combinedOutput: Bool = false
  ) -> CommandResult {
    startRefresh(arguments, environment: environment, combinedOutput: combinedOutput).wait(atMost: seconds)
  }

  public func history(_ arguments: [String], seconds: Double = 30) -> CommandResult {
    runCommand(
      Binaries.ours, ["history"] + arguments + ["--db", database],
      environment: Binaries.environment(database: database),
      seconds: seconds)
  }

  /// `history show RUN --json`, decoded through the contract.
  public func show(_ run: String = "latest") throws -> JSONContract.RunDetail {
    let result = history(["show", run, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONContract.decode(JSONContract.RunDetail.self, from: result.stdout)
  }

  /// `history --json --limit 0`: every run, newest first, decoded through the contract.
  public func runs(_ extra: [String] = []) throws -> [JSONContract.RunSummary] {
    let result = history(["--json", "--limit", "0"] + extra)
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONContract.decode([JSONContract.RunSummary].self, from: result.stdout)
  }

  /// The statuses of every run, newest first.
  public func statuses() throws -> [RunStatus] { try runs().map(\.status) }

  /// `PRAGMA integrity_check`, through the store.
  public func integrity() throws -> String {
    try HistoryStore.openForReading(at: database).integrityCheck()
  }

  /// Reads an integer pid a script wrote to `name` in the scratch directory.
  public func pid(_ name: String) -> Int32? {
    scratch.read(name).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }

  /// Mounts a tmpfs of `size` (`192k`) on the database's directory, to fill
  /// it; needs root. Call ``unmountDatabaseDisk()`` when done.
  public func mountDatabaseDisk(size: String) throws -> String {
    let mount = scratch.url("db")
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    let mounted = runCommand(
      "/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", mount], environment: [:])
    try #require(mounted.status == 0, "mounting a tmpfs needs root: \(mounted.stderr)")
    return mount
  }

  /// Unmounts what ``mountDatabaseDisk(size:)`` mounted.
  public func unmountDatabaseDisk() {
    _ = runCommand("/bin/umount", [scratch.url("db")], environment: [:])
  }

  /// Starts a refresh, waits until its script `started` ran, then calls
  /// `query` until the refresh ends (at most `rounds` times and 60 s).
  /// Returns the refresh's result and how many queries ran.
  public func whileRefreshing(rounds: Int, _ query: () throws -> Void) rethrows -> (CommandResult, Int) {
    let run = startRefresh()
    #expect(waitUntil(seconds: 20) { scratch.exists("started") })
    var queries = 0
    let deadline = Date().addingTimeInterval(60)
    while !run.hasEnded && queries < rounds && Date() < deadline {
      try query()
      queries += 1
    }
    return (run.wait(atMost: 60), queries)
  }
}
