import Foundation
import RefreshRunner
import RefreshSession
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// A history filled by refreshes run inside the test process, through
/// ``RefreshSession`` as the command runs them, without spawning the binary:
/// for unit tests of the views, the comparison and retention on real records.
///
/// Its refreshes adopt no orphans (the test process has children of its
/// own), write no metrics or trace file, send scripts' output and the
/// console's lines nowhere, and each has a 60 s timeout.
public final class RecordedHistory {
  public let base = TemporaryDirectory("orc-recorded-base")
  public let scratch = TemporaryDirectory("orc-recorded-db")
  public var database: String { scratch.url("db/history.sqlite") }
  public var lock: String { scratch.url("lock") }

  /// An empty base directory and no history yet.
  public init() {}

  /// Runs one refresh of ``base`` into ``database``; `adjust` changes the
  /// request first. Returns how it ended.
  @discardableResult
  public func refresh(
    environment: [String: String] = [:], log: EventLog = EventLog(), standardOutput: Int32? = nil,
    _ adjust: (inout RefreshRequest) -> Void = { _ in }
  ) throws -> ExitStatus {
    var request = RefreshRequest(version: "test", arguments: ["os-refresh-config", "--base-dir", base.path])
    request.baseDirectory = base.path
    request.lockfile = lock
    request.databasePath = database
    request.metricsFile = ""
    request.otlpFile = ""
    request.logLevel = .critical
    request.timeoutSeconds = 60
    // Never the machine's /etc: a test that watches names its own directory.
    request.noWatch = true
    adjust(&request)
    let null = try FileDescriptor.open("/dev/null", O_WRONLY)
    var hooks = SessionHooks()
    hooks.observers = [log]
    hooks.standardOutput = standardOutput ?? null.rawValue
    hooks.standardError = null.rawValue
    hooks.adoptsOrphans = false
    var entries = ["PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"]
    entries += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    do {
      try RefreshSession.run(request, environment: ProcessEnvironment(entries: entries), hooks: hooks)
      return .success
    } catch let ended as CommandEnded {
      return ended.exitStatus
    }
  }

  /// The history's queries, opened for reading.
  public func queries() throws -> HistoryQueries { try HistoryStore.openForReading(at: database).queries }

  /// The stored run `reference` names (`latest`, `last-success`, an id).
  public func run(_ reference: String = "latest") throws -> RunDetail {
    let queries = try queries()
    return try queries.run(try queries.resolveRun(typed: reference))
  }
}
