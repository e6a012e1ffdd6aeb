import Foundation
import TestSupport
import Testing

/// `why` finds a package upgraded between two runs in dpkg's own log: a
/// real `.deb`, built and installed by dpkg into a root of the test's own
/// (`why --root` reads a node's disk mounted elsewhere, as here).
@Suite struct WhyPackageTests {
  let node = WhyScenario()

  /// Builds version `version` of package orc-probe, whose command exits `exit`.
  func package(_ version: String, exit: Int) throws -> String {
    let source = node.scratch.directory("source-\(version)")
    node.scratch.write(
      "source-\(version)/DEBIAN/control",
      "Package: orc-probe\nVersion: \(version)\nArchitecture: all\nMaintainer: Tests <tests@example.net>\n"
        + "Description: a probe the why tests upgrade\n")
    node.scratch.write(
      "source-\(version)/usr/bin/orc-probe", "#!/bin/sh\necho probe \(version)\nexit \(exit)\n", mode: 0o755)
    let deb = node.scratch.url("orc-probe_\(version).deb")
    let built = runCommand("/usr/bin/dpkg-deb", ["--root-owner-group", "-b", source, deb], environment: [:])
    try #require(built.status == 0, "dpkg-deb: \(built.stderr)")
    return deb
  }

  /// `dpkg -i` into the test's root, logging to its own dpkg.log.
  func install(_ deb: String, root: String) throws {
    let installed = runCommand(
      "/usr/bin/dpkg",
      [
        "--root=\(root)", "--log=\(root)/var/log/dpkg.log", "--force-not-root", "--force-script-chrootless", "-i",
        deb,
      ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
    try #require(installed.status == 0, "dpkg -i: \(installed.stderr)")
  }

  @Test func aPackageUpgradedBetweenRunsThatTheScriptRunsIsTheCause() throws {
    let root = node.scratch.directory("root")
    for directory in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"] {
      node.scratch.directory("root/" + directory)
    }
    node.scratch.write("root/var/lib/dpkg/status", "")
    try install(try package("1.0", exit: 0), root: root)
    node.base.script("configure.d/20-probe", "\(root)/usr/bin/orc-probe || { echo 'probe failed' >&2; exit 1; }")
    node.settings = ["region": #""one""#]
    #expect(node.refresh() == 0 && node.refresh() == 0)
    try install(try package("2.0", exit: 4), root: root)
    node.settings["region"] = #""two""#
    #expect(node.refresh() == 1)
    let why = try node.explanation(["--root", root])
    let first = try #require(why.causes.first)
    #expect(first.kind == .packageChanged && first.subject == "orc-probe", "\(why.causes)")
    #expect(first.evidence.hasPrefix("upgraded 1.0 -> 2.0 at "), "\(first.evidence)")
    #expect(first.evidence.hasSuffix("; the script runs orc-probe"))
    #expect(why.packageLogs == ["/var/log/dpkg.log"])
    // Without the root, this node's own logs: the probe is not there.
    #expect(try node.explanation().causes.allSatisfy { $0.subject != "orc-probe" })

    // diff lists the upgrade between the last good run and the failure, from the same log.
    let diff = runCommand(
      Binaries.ours, ["diff", "--root", root, "--db", node.fixture.database],
      environment: Binaries.environment(database: node.fixture.database))
    let lines = diff.stdoutText.split(separator: "\n").map(String.init)
    let heading = try #require(lines.firstIndex(of: "Packages (/var/log/dpkg.log)"), "\(diff.stdoutText)")
    #expect(lines[heading + 1].hasPrefix("  upgraded  orc-probe  1.0 -> 2.0  "), "\(lines[heading + 1])")
    let json = try JSONContract.decode(
      JSONContract.Diff.self,
      from: runCommand(
        Binaries.ours, ["diff", "--json", "--root", root, "--db", node.fixture.database],
        environment: Binaries.environment(database: node.fixture.database)
      ).stdout)
    #expect(
      json.packages.map { "\($0.action) \($0.name) \($0.from ?? "-") \($0.to ?? "-")" } == [
        "upgraded orc-probe 1.0 2.0"
      ])
    #expect(json.packageLogs == ["/var/log/dpkg.log"])
  }
}
