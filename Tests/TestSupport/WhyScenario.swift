import Foundation
import Testing

/// A node's history made for `why`: a base directory, Heat metadata whose
/// `settings` an operator changes, and noise keys (a counter, a rotated
/// token, a timestamp) that change in every run, as os-collect-config's
/// metadata does, so the true cause always has company.
public final class WhyScenario {
  public let fixture = HistoryFixture()
  public var base: TemporaryDirectory { fixture.base }
  public var scratch: TemporaryDirectory { fixture.scratch }
  /// The metadata's `settings` object, as JSON members (`"port": 8080`).
  public var settings: [String: String] = [:]
  /// Runs made so far.
  public private(set) var runs = 0

  public init() {}

  /// The templates root the refreshes give os-apply-config.
  public var templates: String { scratch.url("templates") }

  /// One refresh, with the current settings and fresh noise; its status.
  @discardableResult
  public func refresh(_ arguments: [String] = [], environment: [String: String] = [:]) -> Int32 {
    runs += 1
    let members = settings.keys.sorted().map { "\"\($0)\": \(settings[$0]!)" }.joined(separator: ", ")
    scratch.write(
      "heat.json",
      """
      {"settings": {\(members)},
       "noise": {"counter": \(runs), "token": "tok-\(runs)-\(UUID().uuidString)", "stamp": "2026-12-01T00:00:\(runs)Z"},
       "deployments": [{"id": "dep-noise", "name": "noise", "inputs": [{"name": "generation", "value": \(runs)}]}]}
      """)
    var variables = ["OS_CONFIG_FILES": scratch.url("heat.json"), "OS_CONFIG_APPLIER_TEMPLATES": templates]
    variables.merge(environment) { $1 }
    return fixture.refresh(arguments, environment: variables).status
  }

  /// `why ARGUMENTS --db …`.
  public func why(_ arguments: [String] = []) -> CommandResult {
    runCommand(
      Binaries.ours, ["why"] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  /// `why --json`, decoded through the contract.
  public func explanation(_ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> JSONContract.Why
  {
    let result = why(arguments + ["--json"])
    #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
    return try JSONContract.decode(JSONContract.Why.self, from: result.stdout)
  }
}
