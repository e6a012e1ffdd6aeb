import Foundation
import TestSupport
import Testing

/// A real fleet: three nodes, each with its own history and Debian's
/// `prometheus-node-exporter` serving its textfile directory, scraped by a
/// real Prometheus server with the shipped rules
/// (examples/fleet/os-refresh-config.rules.yml). Asked through its HTTP API,
/// as a fleet operator's dashboard would.
@Suite struct FleetServerTests {
  /// A process serving HTTP on a port of its own: started on a random port,
  /// again on another when that one was taken (the process ends at once).
  final class Server {
    let process: RunningCommand
    let port: Int

    init?(_ start: (Int) -> RunningCommand, ready: (Int) -> Bool) {
      for attempt in 0..<5 {
        let port = 20_000 + Int.random(in: 0..<20_000) + attempt
        let process = start(port)
        if waitUntil(seconds: 20, { process.hasEnded || ready(port) }), !process.hasEnded {
          (self.process, self.port) = (process, port)
          return
        }
        process.signal(SIGKILL)
        _ = process.wait(atMost: 10)
      }
      return nil
    }

    deinit {
      process.signal(SIGTERM)
      _ = process.wait(atMost: 20)
    }
  }

  static func get(_ url: String, _ arguments: [String] = []) -> String? {
    let result = FleetTools.run("/usr/bin/curl", ["-sf", "--max-time", "5"] + arguments + [url], seconds: 10)
    return result.status == 0 ? result.stdoutText : nil
  }

  /// A PromQL query's samples: each one's labels (without `__name__`) and value.
  static func query(_ port: Int, _ promql: String) -> [(labels: [String: String], value: String)]? {
    guard
      let body = get("http://127.0.0.1:\(port)/api/v1/query", ["--data-urlencode", "query=\(promql)"]),
      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
      let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
    else { return nil }
    return result.map { sample in
      var labels = sample["metric"] as? [String: String] ?? [:]
      labels["__name__"] = nil
      return (labels, (sample["value"] as? [Any])?.last as? String ?? "")
    }
  }

  /// One node: its scripts read `settings.port` and fail from 9000 on.
  static func node(failing: Bool) -> (node: WhyScenario, textfile: String) {
    let node = WhyScenario()
    let textfile = node.scratch.directory("textfile")
    let metrics = ["--metrics-file", textfile + "/os-refresh-config.prom"]
    node.settings = ["port": "8080", "workers": "4"]
    node.base.script(
      "configure.d/20-app",
      "port=$(os-apply-config --key settings.port --type int) || exit 9\n"
        + #"[ "$port" -lt 9000 ] || { echo "cannot bind $port" >&2; exit 1; }"#)
    #expect(node.refresh(metrics) == 0 && node.refresh(metrics) == 0)
    (node.settings["port"], node.settings["workers"]) = (failing ? "9090" : "8081", "8")
    #expect(node.refresh(metrics) == (failing ? 1 : 0))
    return (node, textfile)
  }

  @Test(.timeLimit(.minutes(2))) func aRealPrometheusCountsTheCommonCauseAndAlertsOnTheFailingNodes() throws {
    let nodes = [("node-a", false), ("node-b", true), ("node-c", true)].map { ($0.0, Self.node(failing: $0.1)) }
    for (_, node) in nodes.dropFirst() {
      let why = try node.node.explanation()
      #expect(JSONContract.causeLines(why).first == "input_key_changed settings.port")
    }
    let exporters = nodes.map { name, node in
      Server(
        { port in
          RunningCommand(
            "/usr/bin/prometheus-node-exporter",
            [
              "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.textfile",
              "--collector.textfile.directory=\(node.textfile)",
            ], environment: ["PATH": FleetTools.path])
        }, ready: { Self.get("http://127.0.0.1:\($0)/metrics") != nil })
    }
    let ports = try exporters.map { try #require($0).port }
    let scratch = nodes[0].1.node.scratch
    let targets = zip(nodes, ports).map { node, port in
      "      - targets: ['127.0.0.1:\(port)']\n        labels: {instance: '\(node.0)'}\n"
    }.joined()
    let config = scratch.write(
      "prometheus.yml",
      """
      global:
        scrape_interval: 1s
        evaluation_interval: 1s
      rule_files:
        - \(Binaries.packageRoot)/examples/fleet/os-refresh-config.rules.yml
      scrape_configs:
        - job_name: nodes
          static_configs:
      \(targets)
      """)
    let storage = scratch.directory("tsdb")
    let prometheus = try #require(
      Server(
        { port in
          RunningCommand(
            "/usr/bin/prometheus",
            [
              "--config.file=\(config)", "--storage.tsdb.path=\(storage)", "--web.listen-address=127.0.0.1:\(port)",
            ], environment: ["PATH": FleetTools.path])
        }, ready: { Self.get("http://127.0.0.1:\($0)/-/ready") != nil }))
    let port = prometheus.port
    // The rules are evaluated every second, and each node is scraped on a
    // timer of its own: an evaluation may see one failing node before the
    // other, and the healthy node may not be scraped yet. So the wait is
    // for the whole answer (bounded); what it last saw is what the
    // expectations below print when it never came.
    var causes: [String] = []
    #expect(
      waitUntil(seconds: 45) {
        causes = (Self.query(port, "os_refresh_config:failure_causes:count") ?? []).map {
          "\($0.labels["kind"] ?? "") \($0.labels["subject"] ?? "") \($0.value)"
        }
        return causes == ["input_key_changed settings.port 2"]
          && Self.query(port, "ALERTS{alertname=\"OsRefreshConfigFailing\"}")?.count == 2
          && Self.query(port, "up == 1")?.count == 3
      })
    #expect(causes == ["input_key_changed settings.port 2"])
    #expect(Self.query(port, "up == 1")?.count == 3)
    let failing = Self.query(port, "os_refresh_config_last_run_success == 0")?.map { $0.labels["instance"] ?? "" }
    #expect(failing?.sorted() == ["node-b", "node-c"])
    #expect(Self.query(port, "os_refresh_config:failing_nodes:count")?.map(\.value) == ["2"])
    let alerts = Self.query(port, "ALERTS{alertname=\"OsRefreshConfigFailing\"}") ?? []
    #expect(alerts.map { $0.labels["instance"] ?? "" }.sorted() == ["node-b", "node-c"])
    #expect(alerts.allSatisfy { $0.labels["alertstate"] == "pending" })
    #expect(Self.query(port, "ALERTS{instance=\"node-a\"}")?.isEmpty == true)
    #expect(Self.query(port, "os_refresh_config_last_failure_cause_info{instance=\"node-a\"}")?.isEmpty == true)
  }
}
