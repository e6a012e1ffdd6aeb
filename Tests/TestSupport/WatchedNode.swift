import Foundation
import RefreshVocabulary
import Testing

/// A node whose configuration directory is watched: a history fixture
/// whose refreshes watch `etc` under its scratch directory, by `method`.
public struct WatchedNode {
  public let fixture = HistoryFixture()
  public let method: WatchMethod
  public var base: TemporaryDirectory { fixture.base }
  public var scratch: TemporaryDirectory { fixture.scratch }
  /// The watched directory.
  public var etc: String { scratch.url("etc") }

  /// A node watched by `method`, its `etc` made.
  public init(method: WatchMethod) {
    self.method = method
    _ = fixture.scratch.directory("etc")
  }

  /// The environment of a refresh: `etc` watched, by the method.
  public var environment: [String: String] {
    ["OS_REFRESH_CONFIG_WATCH_PATHS": etc, "OS_REFRESH_CONFIG_WATCH_METHOD": method.rawValue]
  }

  /// A refresh watching `etc`.
  public func refresh(_ arguments: [String] = [], environment extra: [String: String] = [:]) -> CommandResult {
    fixture.refresh(arguments, environment: environment.merging(extra) { $1 })
  }

  /// `history changes RUN --json`, decoded.
  public func changes(_ run: String = "latest", _ extra: [String] = []) throws -> JSONContract.FileChanges {
    let result = fixture.history(["changes", run, "--json"] + extra)
    try #require(result.status == 0, "\(result.stderr)")
    return try JSONContract.decode(JSONContract.FileChanges.self, from: Data(result.stdoutText.utf8))
  }

  /// `history file PATH --json`, decoded.
  public func versions(_ path: String) throws -> JSONContract.FileHistory {
    let result = fixture.history(["file", path, "--json"])
    try #require(result.status == 0, "\(result.stderr)")
    return try JSONContract.decode(JSONContract.FileHistory.self, from: Data(result.stdoutText.utf8))
  }

  /// `why --json`, decoded.
  public func why() throws -> JSONContract.Why {
    try JSONContract.decode(JSONContract.Why.self, from: run(["why", "--json"]).stdout)
  }

  /// `drift ARGUMENTS` through the binary.
  public func drift(_ arguments: [String] = []) -> CommandResult { run(["drift"] + arguments) }

  /// Our binary with `arguments` and the node's history (`why`, `diff`, `drift`).
  public func run(_ arguments: [String]) -> CommandResult {
    runCommand(
      Binaries.ours, arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  /// Each change of `changes` as "change path-under-etc by phase/script", in order.
  public func summary(_ changes: JSONContract.FileChanges) -> [String] {
    changes.files.map { file in
      let path = file.path.hasPrefix(etc + "/") ? String(file.path.dropFirst(etc.count + 1)) : file.path
      let from =
        file.renamedFrom.map { " from " + ($0.hasPrefix(etc + "/") ? String($0.dropFirst(etc.count + 1)) : $0) } ?? ""
      let by =
        file.when == .beforeRun
        ? "before the run" : file.byRefresh ? "\(file.phase?.rawValue ?? "-")/\(file.script ?? "-")" : "outside"
      return "\(file.change.rawValue) \(path)\(from) by \(by)"
    }
  }
}
