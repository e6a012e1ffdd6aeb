import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `why` on the ways real Heat nodes fail, with noise in every run: keys
/// read as element scripts write them, deployments renamed by new ids.
@Suite struct WhyHeatNodeTests {
  let node = WhyScenario()

  func first(_ explanation: JSONContract.Why) -> String {
    explanation.causes.first.map { "\($0.kind.rawValue) \($0.subject)" } ?? "none"
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
}
