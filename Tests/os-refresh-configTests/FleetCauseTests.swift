import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// Why a run failed leaves the node with its metrics and trace: the metrics
/// file's `os_refresh_config_last_failure_cause_info` and the root span's
/// `os_refresh_config.cause.*` say what `why --json` says first.
@Suite struct FleetCauseTests {
  let node = WhyScenario()
  var metrics: String { node.scratch.url("node.prom") }
  var traces: String { node.scratch.url("traces.jsonl") }
  var outputs: [String] { ["--metrics-file", metrics, "--otlp-file", traces] }

  /// The `last_failure_cause_info` samples of the metrics file.
  func causeSamples() throws -> [String] {
    try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
      .filter { $0.hasPrefix("os_refresh_config_last_failure_cause_info{") }.map(String.init)
  }

  /// The root span's string attributes in the trace file's last line.
  func rootAttributes() throws -> [String: String] {
    let line = try #require(try String(contentsOfFile: traces, encoding: .utf8).split(separator: "\n").last)
    let data = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    let resource = try #require((data["resourceSpans"] as? [[String: Any]])?.first)
    let scope = try #require((resource["scopeSpans"] as? [[String: Any]])?.first)
    let root = try #require((scope["spans"] as? [[String: Any]])?.first)
    var attributes: [String: String] = [:]
    for attribute in root["attributes"] as? [[String: Any]] ?? [] {
      if let key = attribute["key"] as? String,
        let value = (attribute["value"] as? [String: Any])?["stringValue"]
          as? String
      {
        attributes[key] = value
      }
    }
    return attributes
  }

  @Test func theFirstCauseLeavesTheNodeAsWhySaysItAndGoesWithTheNextSuccess() throws {
    node.settings = ["port": "8080", "db_password": #""first-Secret-4431""#]
    node.base.script(
      "configure.d/20-app",
      "port=$(os-apply-config --key settings.port --type int) || exit 9\n"
        + #"[ "$port" -lt 9000 ] || { echo "cannot bind $port" >&2; exit 1; }"#)
    #expect(node.refresh(outputs) == 0 && node.refresh(outputs) == 0)
    #expect(try causeSamples() == [])
    #expect(try rootAttributes()["os_refresh_config.cause.kind"] == nil)
    (node.settings["port"], node.settings["db_password"]) = ("9090", #""second-Secret-5520""#)
    #expect(node.refresh(outputs) == 1)
    let why = try node.explanation()
    let first = try #require(why.causes.first)
    let script = try #require(why.script)
    #expect("\(first.kind.rawValue) \(first.subject)" == "input_key_changed settings.port")
    #expect(
      try causeSamples() == [
        "os_refresh_config_last_failure_cause_info{phase=\"\(script.phase.rawValue)\",script=\"\(script.name)\","
          + "kind=\"\(first.kind.rawValue)\",subject=\"\(first.subject)\"} 1"
      ])
    let attributes = try rootAttributes()
    #expect(attributes["os_refresh_config.cause.kind"] == first.kind.rawValue)
    #expect(attributes["os_refresh_config.cause.subject"] == first.subject)
    #expect(FleetTools.promtool(metrics).status == 0)
    #expect(try FleetTools.parseOTLP(traces).count == 3)
    for file in [metrics, traces] {
      let text = try String(contentsOfFile: file, encoding: .utf8)
      #expect(!text.contains("Secret-4431") && !text.contains("Secret-5520"), "\(file)")
    }
    // `history export` gives the recorded trace: the cause is the run end's alone.
    #expect(!node.fixture.history(["export", "--format", "otlp"]).stdoutText.contains("os_refresh_config.cause"))
    node.settings["port"] = "8081"
    #expect(node.refresh(outputs) == 0)
    #expect(try causeSamples() == [])
    #expect(try rootAttributes()["os_refresh_config.cause.kind"] == nil)
  }

  /// A run that fails in environment.d names the file as its script.
  @Test func anEnvironmentFailureIsNamedAsWhyNamesIt() throws {
    node.base.write("environment.d/10-site", "export SITE=one\n")
    node.base.script("configure.d/20-app", "echo $SITE")
    #expect(node.refresh(outputs) == 0 && node.refresh(outputs) == 0)
    node.base.write("environment.d/10-site", "export SITE=two\nfalse\n")
    #expect(node.refresh(outputs) == 1)
    let why = try node.explanation()
    let first = try #require(why.causes.first)
    let script = try #require(why.script)
    #expect(
      try causeSamples() == [
        "os_refresh_config_last_failure_cause_info{phase=\"\(script.phase.rawValue)\",script=\"\(script.name)\","
          + "kind=\"\(first.kind.rawValue)\",subject=\"\(first.subject)\"} 1"
      ], "\(why.causes)")
  }
}
