import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `why`, `diff` and `history` say what they know and no more: a run that
/// found no script is never the last success.
@Suite struct ForensicsHonestyTests {
  @Test func aRunThatFoundNoScriptIsFlaggedAndNeverTheLastSuccess() throws {
    let node = WhyScenario()
    node.settings = ["port": "8080"]
    node.base.script("configure.d/20-app", #"[ "$(os-apply-config --key settings.port)" -lt 9000 ] || exit 1"#)
    #expect(node.refresh() == 0)
    // A mistyped base directory: the reference succeeds, having run nothing.
    #expect(node.refresh(["--base-dir", node.scratch.url("no-such-base")]) == 0)
    node.settings["port"] = "9090"
    #expect(node.refresh() == 1)

    let runs = try node.fixture.runs()
    #expect(runs.map(\.ranNoScript) == [false, true, false])
    let table = node.fixture.history([]).stdoutText.split(separator: "\n").map(String.init)
    #expect(table.count == 4 && table[2].contains(" success, no script ") && !table[3].contains("no script"))
    #expect(try node.fixture.show("last-success").id == 1)
    let why = try node.explanation()
    #expect(why.lastGoodRun == 1 && why.causes.first?.subject == "settings.port", "\(why.causes)")
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", node.fixture.database],
      environment: Binaries.environment(database: node.fixture.database))
    #expect(diff.status == 0 && diff.stdoutText.hasPrefix("From run 1: success, "), "\(diff.stdoutText)")
  }
}
