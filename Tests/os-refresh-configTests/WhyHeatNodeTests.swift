import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `why` on the ways real Heat nodes fail, with noise in every run: keys
/// read as element scripts write them, deployments renamed by new ids.
@Suite struct WhyHeatNodeTests {
  let node = WhyScenario()

  func first(_ explanation: JSONContract.Why) -> String {
    JSONContract.causeLines(explanation).first ?? "none"
  }

  /// As 50-ntp reads it: quoted, a list index inside the dotted path; the
  /// list's items have names, so the diff names the item by its name.
  @Test func aQuotedKeyWithAListIndexIsRead() throws {
    node.settings = [
      "servers": #"[{"name": "a", "server": "ntp1.example.net"}, {"name": "b", "server": "ntp2.example.net"}]"#
    ]
    node.base.script(
      "configure.d/50-ntp",
      """
      server=$(os-apply-config --key 'settings.servers.0.server' --type raw) || exit 9
      case "$server" in *.example.net) ;; *) echo "no route to $server" >&2; exit 1;; esac
      """)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.settings["servers"] =
      #"[{"name": "a", "server": "ntp1.internal"}, {"name": "b", "server": "ntp9.example.net"}]"#
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.servers[a].server", "\(why.causes)")
    #expect(
      why.causes.first?.evidence
        == #"read by the script (os-apply-config --key settings.servers.0.server): "ntp1.example.net" -> "ntp1.internal""#
    )
    #expect(why.causes.first { $0.subject == "settings.servers[b].server" }?.direct == false)
  }

  /// A long value changed at its end reads as that change, not as two
  /// equal prefixes.
  @Test func aLongURLChangedAtItsEndIsShownWhereItDiffers() throws {
    let url =
      "https://object-store.example.net:8080/v1/AUTH_7f3a9c2e41b84d0f/heat-signals/controller-0?temp_url_expires="
    node.settings = ["endpoint": "\"\(url)1764777600\""]
    node.base.script(
      "configure.d/40-signal",
      """
      url=$(os-apply-config --key settings.endpoint --type raw) || exit 9
      case "$url" in *=1764777600) ;; *) echo "signal URL expired" >&2; exit 1;; esac
      """)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.settings["endpoint"] = "\"\(url)1764781200\""
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.endpoint", "\(why.causes)")
    #expect(
      why.causes.first?.evidence
        == "read by the script (os-apply-config --key settings.endpoint): …0?temp_url_expires=17647[776 -> 812]00\""
    )
  }

  /// A script that never failed before, with nothing it uses changed, is at
  /// its first failure: not yet "intermittent".
  @Test func aFirstFailureIsNotCalledIntermittent() throws {
    let count = node.scratch.url("count")
    node.base.script(
      "configure.d/20-fetch",
      "n=$(cat \(count) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(count)\n"
        + "[ $n -lt 3 ] || { echo 'connection reset by peer' >&2; exit 1; }")
    for expected: Int32 in [0, 0, 1] { #expect(node.refresh() == expected) }
    let why = try node.explanation()
    #expect(first(why) == "first_failure ", "\(why.causes)")
    #expect(
      why.causes.first?.evidence
        == "its first failure in its last 3 runs with the same script; nothing it uses changed between run 2 and run 3")
    #expect(!why.causes.contains { $0.kind == .intermittent })
    #expect(node.why().stdoutText.contains("first failure"))
  }

  /// A setup script removed from the failed script's own phase, before it.
  @Test func aSetupScriptRemovedFromTheSamePhaseIsTheCause() throws {
    let state = node.scratch.url("prepared")
    node.base.script("configure.d/10-setup", "touch \(state)")
    node.base.script("configure.d/20-app", "[ -e \(state) ] || { echo 'not set up' >&2; exit 1; }; rm \(state)")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    try FileManager.default.removeItem(atPath: node.base.url("configure.d/10-setup"))
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "script_removed configure/10-setup", "\(why.causes)")
    #expect(why.causes.first?.direct == true)
  }

  /// 99-refresh-completed reads all of `deployments`: every run rotates
  /// their signal ids and adds an unrelated deployment. The cause is an
  /// environment.d file added in the same run; the churn ranks last.
  @Test func signalChurnRanksBelowAnAddedEnvironmentFile() throws {
    node.base.script(
      "configure.d/99-refresh-completed",
      """
      os-apply-config --key deployments --type raw > /dev/null || exit 9
      [ -z "$APP_MODE" ] || { echo "unknown mode $APP_MODE" >&2; exit 1; }
      """)
    var extra: [String] = []
    func heat(_ run: Int) -> String {
      let deployments = (["app"] + extra).map { name in
        let url = "https://heat.example.net/v1/signal/\(name)?Timestamp=\(run)&Signature=s\(run)"
        return #"{"id": "\#(name)-\#(run)", "name": "\#(name)", "inputs": [{"name": "deploy_signal_id", "value": ""#
          + url + #""}]}"#
      }
      return #"{"deployments": ["# + deployments.joined(separator: ", ") + "]}"
    }
    for run in 1...4 {
      node.scratch.write("heat.json", heat(run))
      #expect(node.fixture.refresh(environment: ["OS_CONFIG_FILES": node.scratch.url("heat.json")]).status == 0)
    }
    extra = ["monitoring"]
    node.scratch.write("heat.json", heat(5))
    node.base.write("environment.d/20-mode", "export APP_MODE=$(os-apply-config --key app.mode --key-default turbo)\n")
    #expect(node.fixture.refresh(environment: ["OS_CONFIG_FILES": node.scratch.url("heat.json")]).status == 1)
    let why = try node.explanation()
    #expect(first(why) == "environment_changed 20-mode", "\(why.causes)")
    // Never its content (it may set secrets): the keys it reads.
    #expect(
      why.causes.first?.evidence
        == "added; environment.d is sourced before every script; it reads app.mode (os-apply-config --key)")
    let churn = why.causes.filter { $0.evidence.contains("changes every run") }
    #expect(churn.map(\.subject) == ["deployments[app].id", "deployments[app].inputs[deploy_signal_id].value"])
    #expect(why.causes.suffix(churn.count).map(\.subject) == churn.map(\.subject), "churn ranks last")
    let added = try #require(why.causes.first { $0.subject == "deployments[monitoring]" })
    #expect(
      !added.direct && added.evidence.hasPrefix("under deployments, which the script reads whole "), "\(added.evidence)"
    )
  }

  /// The templates root set in environment.d, not in os-collect-config's
  /// environment: recorded as the scripts see it.
  @Test func aTemplatesRootSetInEnvironmentDIsTheOneRecorded() throws {
    node.settings = ["mode": #""strict""#, "colour": #""blue""#]
    node.scratch.write("templates/etc/app/app.conf", "[main]\nmode={{settings.mode}}\n")
    node.base.write("environment.d/10-templates", "export OS_CONFIG_APPLIER_TEMPLATES=\(node.templates)\n")
    let output = node.scratch.url("rendered")
    node.base.script(
      "configure.d/20-app",
      "os-apply-config -o \(output) >/dev/null 2>&1 || exit 9\n"
        + "grep -q '^mode=strict$' \(output)/etc/app/app.conf || { echo 'bad mode' >&2; exit 1; }")
    let unset = ["OS_CONFIG_APPLIER_TEMPLATES": ""]
    #expect(node.refresh(environment: unset) == 0 && node.refresh(environment: unset) == 0)
    (node.settings["mode"], node.settings["colour"]) = (#""lax""#, #""red""#)
    #expect(node.refresh(environment: unset) == 1)
    let templates = try #require(try node.fixture.show().inputs.first { $0.kind == .template })
    #expect(templates.path == node.templates)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.mode", "\(why.causes)")
    #expect(why.causes.first?.evidence.contains("read through template etc/app/app.conf") == true)
  }

  /// environment.d failing before it could tell the templates root: the
  /// templates are recorded under the run's own.
  @Test func templatesAreRecordedWhenEnvironmentDFailsFirst() throws {
    node.scratch.write("templates/etc/app/app.conf", "mode={{settings.mode}}\n")
    node.base.write("environment.d/10-broken", "false\n")
    node.base.script("configure.d/20-app", "true")
    #expect(node.refresh() == 1)
    let templates = try node.fixture.show().inputs.filter { $0.kind == .template }
    #expect(templates.map(\.path) == [node.templates])
  }
}
