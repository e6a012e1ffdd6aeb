import Foundation
import Testing

/// A node whose refresh runs Heat deployments the way heat-agents'
/// heat-config does (our own code, modelled on its `55-heat-config`): the
/// `deployments` key is written out with real os-apply-config, then each
/// deployment not yet deployed is run once by its config (the `script`
/// group), its `<id>.json` and `<id>.notify.json` written under
/// `HEAT_CONFIG_DEPLOYED` (set in environment.d, as scripts see it), and
/// heat-config exits 0 whatever the hooks did.
public final class HeatConfigNode {
  public let fixture = HistoryFixture()
  public var deployed: String { fixture.scratch.url("deployed") }
  public var metrics: String { fixture.scratch.url("node.prom") }
  /// Runs made so far.
  public private(set) var runs = 0

  public init() {
    fixture.base.write(
      "environment.d/10-heat-config",
      "export HEAT_CONFIG_DEPLOYED=\(deployed)\nexport HEAT_SHELL_CONFIG=\(fixture.scratch.url("heat-config"))\n")
    fixture.base.script(
      "configure.d/50-heat-config-render",
      #"os-apply-config --key deployments --type raw --key-default '[]' > "$HEAT_SHELL_CONFIG""#)
    fixture.base.write(
      "configure.d/55-heat-config",
      """
      #!/usr/bin/env python3
      import json, os, subprocess, sys
      deployed = os.environ.get("HEAT_CONFIG_DEPLOYED", "/var/lib/heat-config/deployed")
      os.makedirs(deployed, mode=0o700, exist_ok=True)
      for c in json.load(open(os.environ["HEAT_SHELL_CONFIG"])):
          path = os.path.join(deployed, c["id"] + ".json")
          if os.path.exists(path):
              continue
          with open(path, "w") as f:
              json.dump(c, f, indent=2)
          env = dict(os.environ)
          env.update({i["name"]: str(i["value"]) for i in c.get("inputs", [])})
          hook = subprocess.run(["/bin/sh", "-c", c["config"]], env=env, capture_output=True, text=True)
          signal = {"deploy_stdout": hook.stdout, "deploy_stderr": hook.stderr,
                    "deploy_status_code": hook.returncode}
          with open(os.path.join(deployed, c["id"] + ".notify.json"), "w") as f:
              json.dump(signal, f, indent=2)
          print("heat-config: %s exited %d" % (c["name"], hook.returncode), file=sys.stderr)
      sys.exit(0)

      """, mode: 0o755)
  }

  /// A deployment as Heat gives it: `inputs` as JSON members (`"port": 8080`).
  public static func deployment(id: String, name: String, config: String, inputs: [String: String]) -> String {
    let items =
      (inputs.keys.sorted().map { #"{"name": "\#($0)", "value": \#(inputs[$0]!), "type": "String"}"# }
      + [#"{"name": "deploy_action", "value": "UPDATE", "type": "String"}"#]).joined(separator: ", ")
    let quoted = String(decoding: try! JSONSerialization.data(withJSONObject: [config]), as: UTF8.self).dropFirst()
      .dropLast()
    return #"{"id": "\#(id)", "name": "\#(name)", "group": "script", "config": \#(quoted), "inputs": [\#(items)]}"#
  }

  /// One refresh with these deployments and fresh noise; its status.
  @discardableResult
  public func refresh(_ deployments: [String]) -> Int32 {
    runs += 1
    fixture.scratch.write(
      "heat.json",
      #"{"deployments": ["# + deployments.joined(separator: ", ")
        + #"], "os-collect-config": {"heat": {"stamp": "2026-12-03T16:2\#(runs)Z"}}}"#)
    return fixture.refresh(
      ["--metrics-file", metrics], environment: ["OS_CONFIG_FILES": fixture.scratch.url("heat.json")]
    ).status
  }

  /// `COMMAND ARGUMENTS --db …`.
  public func run(_ command: String, _ arguments: [String] = []) -> CommandResult {
    runCommand(
      Binaries.ours, [command] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }
}
