import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `diff` compares lists of objects that carry a `name` or an `id` (Heat's
/// `deployments`, a deployment's `inputs` and `outputs`) item by item, so an
/// inserted deployment is one line, not one per shifted position; Heat's
/// deployments by name, as a changed input gives one a new id.
@Suite struct DiffIdentityTests {
  let fixture = HistoryFixture()

  static func deployment(_ id: String, port: Int, password: String, name: String? = nil) -> String {
    let name = name ?? id + "-config"
    return """
      {"id": "\(id)", "name": "\(name)", "group": "script", "config": "#!/bin/bash\\necho \(name)\\n",
       "inputs": [{"name": "deploy_server_id", "value": "srv-1", "type": "String"},
                  {"name": "db_password", "value": "\(password)", "type": "String"},
                  {"name": "port", "value": \(port), "type": "Number"}],
       "outputs": [{"name": "result", "type": "String"}]}
      """
  }

  func refresh(deployments: [String]) -> CommandResult {
    fixture.scratch.write("heat.json", #"{"deployments": ["# + deployments.joined(separator: ", ") + "]}")
    return fixture.refresh(environment: ["OS_CONFIG_FILES": fixture.scratch.url("heat.json")])
  }

  func diff(_ arguments: [String]) -> CommandResult {
    runCommand(
      Binaries.ours, ["diff"] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  @Test func anInsertedDeploymentIsOneLineAndAChangedInputIsNamedByIdentity() throws {
    fixture.base.script("configure.d/10-ok", "true")
    let (a, b, c) = (
      Self.deployment("dep-a", port: 80, password: "old-pass-a1"),
      Self.deployment("dep-b", port: 81, password: "pass-b-123"),
      Self.deployment("dep-x", port: 82, password: "pass-x-456")
    )
    #expect(refresh(deployments: [a, b]).status == 0)
    // dep-x inserted first, dep-a's port and password changed, so Heat gave it a new id.
    let changedA = Self.deployment("dep-a2", port: 8080, password: "new-pass-a2", name: "dep-a-config")
    #expect(refresh(deployments: [c, changedA, b]).status == 0)
    let human = diff(["1", "2"])
    #expect(human.status == 0, "\(human.stderr)")
    let keyLines = human.stdoutText.split(separator: "\n").map(String.init).filter { $0.hasPrefix("      ") }
    #expect(keyLines.count == 4, "\(human.stdoutText)")
    #expect(
      keyLines.prefix(3) == [
        "      ~ deployments[dep-a-config].id: \"dep-a\" -> \"dep-a2\"",
        "      ~ deployments[dep-a-config].inputs[db_password].value: secret changed",
        "      ~ deployments[dep-a-config].inputs[port].value: 80 -> 8080",
      ], "\(human.stdoutText)")
    #expect(keyLines.last?.wholeMatch(of: #/      \+ deployments\[dep-x-config\] = \{6 keys, \d+ bytes\}/#) != nil)
    #expect(!human.stdoutText.contains("pass-x-456") && !human.stdoutText.contains("new-pass-a2"))

    let json = try JSONContract.decode(JSONContract.Diff.self, from: diff(["1", "2", "--json"]).stdout)
    let keys = try #require(json.inputs.first).keys
    #expect(
      keys.map { "\($0.change) \($0.key)" } == [
        "changed deployments[dep-a-config].id", "changed deployments[dep-a-config].inputs[db_password].value",
        "changed deployments[dep-a-config].inputs[port].value", "added deployments[dep-x-config]",
      ])
    // The added deployment is given whole in JSON, its secret input masked.
    guard case .object(let added)? = keys.last?.to, case .array(let inputs)? = added["inputs"] else {
      Issue.record("the added deployment is not an object with inputs: \(String(describing: keys.last?.to))")
      return
    }
    #expect(inputs.count == 3)
    let text = String(decoding: diff(["1", "2", "--json"]).stdout, as: UTF8.self)
    #expect(!text.contains("pass-x-456") && !text.contains("new-pass-a2") && !text.contains("old-pass-a1"))
  }

  @Test func movingADeploymentIsNoChangeAndListsWithoutIdentityStayPositional() throws {
    fixture.base.script("configure.d/10-ok", "true")
    let (a, b) = (
      Self.deployment("dep-a", port: 80, password: "pass-a-123"),
      Self.deployment("dep-b", port: 81, password: "pass-b-123")
    )
    #expect(refresh(deployments: [a, b]).status == 0)
    #expect(refresh(deployments: [b, a]).status == 0)
    let moved = diff(["1", "2"])
    #expect(!moved.stdoutText.contains("deployments"), "\(moved.stdoutText)")
    // Two items with the same id: no identity, compared by position.
    #expect(refresh(deployments: [a, a]).status == 0)
    let duplicated = diff(["2", "3"])
    #expect(duplicated.stdoutText.contains("~ deployments.0.id: \"dep-b\" -> \"dep-a\""), "\(duplicated.stdoutText)")
  }
}
