import MetadataDocuments
import SystemInterface
import TestSupport
import Testing

@testable import RunForensics

/// The pieces `why` reads a node with: package logs, templates, script text.
@Suite struct WhyUnitTests {
  /// A script that runs os-apply-config to render depends on every
  /// template; one that only reads a key with it, or names it in a
  /// comment, does not.
  @Test func aScriptRendersTheTemplatesWhenItRunsOsApplyConfigToRender() {
    let renders = { (text: String) in ScriptReads(text: Array(text.utf8)).rendersTemplates }
    #expect(renders("#!/bin/bash\nset -eu\nos-apply-config\n"))
    #expect(renders("  os-apply-config -o /mnt/root --templates /opt/t\n"))
    #expect(renders("if ! os-apply-config; then exit 1; fi"))
    #expect(!renders("PORT=$(os-apply-config --key nova.port --type int)\n"))
    #expect(!renders("os-apply-config -k nova.port\n"))
    #expect(!renders("ls $(os-apply-config --print-templates)\n"))
    #expect(!renders("# os-apply-config renders these before us\nsystemctl restart nova-api\n"))
    #expect(!renders("systemctl restart nova-api\n"))
  }

  @Test func dpkgAndDnfLogLinesAreParsed() throws {
    let upgrade = try #require(PackageLog.dpkgLine("2026-11-30 10:00:01 upgrade libfoo1:amd64 1.2-1 1.3-1"))
    #expect(
      upgrade.name == "libfoo1" && upgrade.action == .upgraded && upgrade.from == "1.2-1" && upgrade.to == "1.3-1")
    #expect(PackageLog.dpkgLine("2026-11-30 10:00:01 install bar:all <none> 2.0")?.action == .installed)
    #expect(PackageLog.dpkgLine("2026-11-30 10:00:01 remove bar:all 2.0 <none>")?.action == .removed)
    #expect(PackageLog.dpkgLine("2026-11-30 10:00:01 status installed bar:all 2.0") == nil)
    #expect(PackageLog.dpkgLine("2026-11-30 10:00:01 configure bar:all 2.0 2.0") == nil)
    let dnf = try #require(
      PackageLog.dnfLine("2024-03-05T10:22:33+0100 SUBDEBUG Upgrade: openssl-libs-1:3.0.7-25.el9.x86_64"))
    #expect(dnf.name == "openssl-libs" && dnf.to == "1:3.0.7-25.el9.x86_64")
    #expect(dnf.at == 1_709_630_553 * 1_000_000, "10:22:33 at +01:00 is 09:22:33 UTC")
    let old = try #require(
      PackageLog.dnfLine("2024-03-05T10:22:34+0100 SUBDEBUG Upgraded: openssl-libs-1:3.0.7-24.el9.x86_64"))
    let merged = PackageLog.merged(dnf, old)
    #expect(
      merged.from == "1:3.0.7-24.el9.x86_64" && merged.to == "1:3.0.7-25.el9.x86_64" && merged.action == .upgraded)
    #expect(PackageLog.dnfLine("2024-03-05T10:22:33+0000 INFO --- logging initialized ---") == nil)
  }

  /// A node's disk mounted elsewhere whose dpkg.log is an absolute link (as
  /// log rotation setups make): the link is the node's, resolved inside the
  /// root, never onto this machine's /var/log.
  @Test func aLinkOnTheNodesDiskIsResolvedInsideItsRoot() throws {
    let root = TemporaryDirectory("orc-root")
    let second = try #require(PackageLog.localMicroseconds(date: "2026-11-30", time: "10:00:01"))
    root.write("srv/logs/dpkg.log", "2026-11-30 10:00:05 upgrade nodepkg:all 1.0 2.0\n")
    root.directory("var/log")
    #expect(symlink("/srv/logs/dpkg.log", root.url("var/log/dpkg.log")) == 0)
    // One climbing out with `..` stops at the root too.
    #expect(symlink("../../../../../../srv/logs/dpkg.log", root.url("var/log/dpkg.log.1")) == 0)
    let (read, changes) = PackageLog(root: root.path).changes(after: second, upTo: second + 60_000_000)
    #expect(read == ["/var/log/dpkg.log.1", "/var/log/dpkg.log"])
    #expect(changes.map(\.name) == ["nodepkg"])
    #expect(RootedPath.resolve("/var/log/dpkg.log", under: root.path) == root.path + "/srv/logs/dpkg.log")
    #expect(symlink("loop", root.url("var/log/loop")) == 0)
    #expect(RootedPath.resolve("/var/log/loop", under: root.path) == nil)
  }

  @Test func aChangeInTheSecondTheWindowOpensCountsOnlyWithoutABetterOne() throws {
    let root = TemporaryDirectory("orc-root")
    let second = try #require(PackageLog.localMicroseconds(date: "2026-11-30", time: "10:00:01"))
    root.write(
      "var/log/dpkg.log",
      """
      2026-11-30 09:00:00 install old:all <none> 0.9
      2026-11-30 10:00:01 install probe:all <none> 1.0
      2026-11-30 10:00:01 install edge:all <none> 3.0
      2026-11-30 10:00:05 upgrade probe:all 1.0 2.0
      2026-11-30 11:00:00 remove late:all 1.0 <none>

      """)
    // The window opens 0.4 s into 10:00:01 and closes at 10:30.
    let log = PackageLog(root: root.path)
    let (read, changes) = log.changes(after: second + 400_000, upTo: second + 1_800_000_000)
    #expect(read == ["/var/log/dpkg.log"])
    #expect(
      changes.map { "\($0.name) \($0.action.rawValue) \($0.from ?? "-") \($0.to ?? "-")" } == [
        "probe upgraded 1.0 2.0", "edge installed - 3.0",
      ])
  }

  @Test func aTemplateManifestReadsBackAndTellsWhatChanged() {
    let old = TemplateManifest(entries: [
      .init(path: "etc/a b/a.conf", sha256: "11", keys: ["a.port", "#a"]),
      .init(path: "etc/gone.conf", sha256: "22", keys: []),
    ])
    #expect(TemplateManifest(text: old.text) == old)
    let new = TemplateManifest(entries: [
      .init(path: "etc/a b/a.conf", sha256: "33", keys: ["a.port"]),
      .init(path: "etc/new.conf", sha256: "44", keys: []),
    ])
    #expect(
      TemplateManifest.changes(from: old, to: new).map { "\($0.change) \($0.path)" } == [
        "changed etc/a b/a.conf", "removed etc/gone.conf", "added etc/new.conf",
      ])
  }

  @Test func templateKeysFollowSectionsAndSkipComments() {
    let template = Array(
      """
      [DEFAULT]
      debug = {{neutron.debug}}
      {{#neutron.ovs}}bridge_mappings = {{bridge_mappings}}{{/neutron.ovs}}
      {{! a comment {{not.read}} }}
      {{#servers}}{{name}} {{{address}}}{{/servers}}
      {{^rabbit.hosts}}localhost{{/rabbit.hosts}}
      {{> partial}}
      """.utf8)
    #expect(
      TemplateKeys.names(in: template) == [
        "neutron.debug", "#neutron.ovs", "neutron.ovs.bridge_mappings", "#servers", "servers.name",
        "servers.address", "#rabbit.hosts",
      ])
    #expect(TemplateKeys.reads("neutron.ovs.bridge_mappings", key: "neutron.ovs.bridge_mappings"))
    #expect(TemplateKeys.reads("neutron.ovs.bridge_mappings", key: "neutron"), "a whole subtree replaced")
    #expect(!TemplateKeys.reads("neutron.debug", key: "neutron.verbose"))
    #expect(TemplateKeys.reads("servers.name", key: "servers[node-1].name"), "list items by identity")
    #expect(TemplateKeys.reads("#servers", key: "servers[node-2]"))
    #expect(!TemplateKeys.reads("#neutron.ovs", key: "neutron.ovs.other"), "a section reads itself, not every key")
  }

  @Test func aLongValueIsShownAroundItsFirstDifference() {
    let url = "https://heat.example.net:8000/v1/signal/arn%3Aopenstack%3Aheat?Timestamp=2026-12-03T16%3A2"
    #expect(
      ValueDifference.line(url + "4Z&Signature=abc", url + "5Z&Signature=abc")
        == "…estamp=2026-12-03T16%3A2[4 -> 5]Z&Signature=…")
    #expect(ValueDifference.line("80", "8080") == "80 -> 8080")
    let long = String(repeating: "x", count: 70)
    #expect(
      ValueDifference.line(long, long + "-and-a-tail-longer-than-twelve")
        == "…xxxxxxxxxxxxxxxxxxxxxxxx[ -> -and-a-tail-longer-than-twelve]")
    #expect(ValueDifference.line("a" + long, "b" + long) == "[a -> b]xxxxxxxxxxxx…")
  }

  @Test func aRemovedKeyNamesTheKeyAddedBesideIt() {
    func change(_ key: String, _ kind: KeyChange.Kind, _ value: String) -> KeyChange {
      let json = JSONValue.string(value)
      return KeyChange(
        key: key, change: kind, from: kind == .added ? nil : json, to: kind == .removed ? nil : json, secret: false,
        positionalKey: key)
    }
    let removed = change("app.bind_port", .removed, "8080")
    let keys = [removed, change("app.listen_port", .added, "8080"), change("app.debug", .added, "true")]
    #expect(CauseList.replacement(of: removed, among: keys)?.key == "app.listen_port")
    #expect(CauseList.replacement(of: removed, among: [removed, keys[2]])?.key == "app.debug", "the only one")
    #expect(CauseList.replacement(of: removed, among: [removed, change("db.port", .added, "8080")]) == nil)
  }

  @Test func aScriptsTextGivesTheKeysItReadsAndTheCommandsItRuns() {
    let reads = ScriptReads(
      text: Array(
        """
        #!/bin/bash
        PORT=$(os-apply-config --key app.port --type int --key-default 80)
        HOST="$(/usr/bin/os-apply-config --key=app.host)"; os-apply-config --key "$DYNAMIC"
        os-apply-config --type raw --key 'db.password' | mysql-setup
        systemctl restart app.service
        """.utf8))
    #expect(reads.keys == ["app.port", "app.host", "db.password"])
    #expect(reads.readKey(touchedAt: "app.port") == "app.port")
    #expect(reads.readKey(touchedAt: "app") == "app.port", "a replaced parent holds the key")
    #expect(reads.readKey(touchedAt: "app.workers") == nil)
    #expect(reads.runs("systemctl") && reads.runs("mysql-setup") && !reads.runs("apt"))
    #expect(reads.names(renderedPath: "etc/app/app.conf") == false)
  }
}
