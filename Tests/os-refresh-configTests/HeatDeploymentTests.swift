import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// A Heat SoftwareDeployment failing inside a successful refresh: heat-config
/// exits 0, so the run succeeds (as the reference's does), but the history
/// records the deployment, and every view says it failed.
@Suite struct HeatDeploymentTests {
  let node = HeatConfigNode()

  static let config = #"[ "$port" -lt 9000 ] || { echo "cannot bind $port as $db_password" >&2; exit 1; }; echo ok"#

  @Test func aDeploymentFailingInsideASuccessfulRunIsSeenEverywhere() throws {
    func app(_ id: String, port: Int) -> String {
      HeatConfigNode.deployment(
        id: id, name: "app-config", config: Self.config, inputs: ["port": "\(port)", "db_password": #""s3cret-pass""#])
    }
    #expect(node.refresh([app("4f5d2c1e", port: 8080)]) == 0)
    // The port changed: Heat gives the deployment a new id; heat-config exits 0.
    #expect(node.refresh([app("9a1b7e03", port: 9090)]) == 0)

    let runs = try node.fixture.runs()
    #expect(runs.map(\.status) == [.success, .success])
    #expect(runs.map(\.deploymentsFailed) == [1, 0] && runs.first?.failedDeployment == "app-config")
    let table = node.run("history").stdoutText.split(separator: "\n").map(String.init)
    #expect(table.count == 3 && table[1].contains(" success, 1 deployment failed "), "\(table)")

    let shown = try node.fixture.show("2")
    let deployment = try #require(shown.deployments.first)
    #expect(shown.deployments.count == 1 && deployment.name == "app-config" && deployment.id == "9a1b7e03")
    #expect(deployment.group == "script" && deployment.action == "UPDATE" && deployment.statusCode == 1)
    #expect(!deployment.succeeded && deployment.phase == .configure && deployment.script == "55-heat-config")
    #expect(deployment.deployStderr == "cannot bind 9090 as <redacted>\n", "a secret input is hidden")
    #expect(try node.fixture.show("1").deployments.map(\.succeeded) == [true])
    let human = node.run("history", ["show", "2"]).stdoutText
    #expect(human.contains("Deployments (heat-config)") && human.contains("FAILED (deploy_status_code 1)"))
    #expect(!human.contains("s3cret-pass") && human.contains("    | cannot bind 9090 as <redacted>"))

    let why = try JSONContract.decode(JSONContract.Why.self, from: node.run("why", ["--json"]).stdout)
    #expect(why.run == 2 && why.deployment?.name == "app-config" && why.deployment?.statusCode == 1)
    #expect(why.lastGoodRun == 1 && why.firstBadRun == 2)
    #expect(
      why.causes.first.map { "\($0.kind.rawValue) \($0.subject): \($0.evidence)" }
        == "input_key_changed deployments[app-config].inputs[port].value: of the failed deployment app-config: 8080 -> 9090",
      "\(why.causes)")
    #expect(why.causes.last?.subject == "deployments[app-config].id", "the new id is churn")
    #expect(why.errorLines == ["cannot bind 9090 as <redacted>"])
    let whyText = node.run("why").stdoutText
    #expect(
      whyText.hasPrefix(
        "Run 2 succeeded, but Heat deployment app-config failed (deploy_status_code 1) in configure/55-heat-config, "),
      "\(whyText)")

    let status = node.run("status", ["--lockfile", node.fixture.lock])
    #expect(status.status == 1)
    #expect(status.stdoutText.hasPrefix("Not running. Last run 2: success, but Heat deployment app-config failed, "))

    let metrics = try String(contentsOfFile: node.metrics, encoding: .utf8)
    #expect(metrics.contains("\nos_refresh_config_last_run_success 1\n"))
    #expect(metrics.contains("\nos_refresh_config_last_run_deployments_failed 1\n"))
    #expect(metrics.contains("\nos_refresh_config_deployment_success{deployment=\"app-config\",group=\"script\"} 0\n"))
    #expect(FleetTools.promtool(node.metrics).status == 0)
  }

  /// heat-config new in the window, running a deployment that fails: it is
  /// the script that ran it, never a script that "has not succeeded".
  @Test func aNewHeatConfigIsTheScriptThatRanTheDeploymentNotAFailedOne() throws {
    let script = node.fixture.base.url("configure.d/55-heat-config")
    try FileManager.default.moveItem(atPath: script, toPath: script + ".aside")
    #expect(node.refresh([]) == 0)
    try FileManager.default.moveItem(atPath: script + ".aside", toPath: script)
    let failing = HeatConfigNode.deployment(id: "d1", name: "app-config", config: "exit 2", inputs: [:])
    #expect(node.refresh([failing]) == 0)
    let why = try JSONContract.decode(JSONContract.Why.self, from: node.run("why", ["--json"]).stdout)
    #expect(why.deployment?.name == "app-config" && why.deployment?.statusCode == 2)
    let ran = try #require(why.causes.first { $0.subject == "configure/55-heat-config" }, "\(why.causes)")
    #expect(ran.kind == .scriptAdded && ran.evidence == "new in run 2; it ran the failed deployment")
    #expect(!why.causes.contains { $0.evidence.contains("has not succeeded") })
  }
}
