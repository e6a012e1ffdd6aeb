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

  /// A newcomer's script reads the metadata with python, as many real hooks
  /// do: which keys it reads cannot be told, so every changed key ranks above
  /// "intermittent", said so; the noise that changed in every run ranks last.
  @Test func aScriptReadingTheMetadataFilesItselfHasEveryChangedKeyRankedAboveIntermittent() throws {
    let node = WhyScenario()
    node.settings = ["port": "8080"]
    node.base.script(
      "configure.d/20-app",
      """
      port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"]["port"])' "$OS_CONFIG_FILES")
      [ "$port" -lt 9000 ] || { echo "cannot bind $port" >&2; exit 1; }
      """)
    for _ in 0..<3 { #expect(node.refresh() == 0) }
    node.settings["port"] = "9090"
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(why.causes.first?.subject == "settings.port", "\(why.causes)")
    #expect(
      why.causes.first?.evidence
        == "8080 -> 9090; could not tell which keys the script reads (it reads the metadata files themselves)")
    #expect(why.causes.first?.direct == true)
    #expect(!why.causes.contains { $0.kind == .intermittent && $0.direct })
    let noise = why.causes.filter { $0.subject.hasPrefix("noise.") }
    #expect(noise.count == 3 && noise.allSatisfy { $0.evidence.contains("changes every run") && !$0.direct })
  }

  /// A run stopped by --timeout with nothing changed names the timeout.
  @Test func aRunStoppedByItsTimeoutNamesIt() throws {
    let node = WhyScenario()
    let count = node.scratch.url("count")
    node.base.script(
      "configure.d/20-slow",
      "n=$(cat \(count) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(count)\n[ $n -lt 3 ] || sleep 30")
    for expected: Int32 in [0, 0, 1] { #expect(node.refresh(["--timeout", "2"]) == expected) }
    let why = try node.explanation()
    #expect(why.script?.status == .timeout && why.script?.timeoutS == 2)
    #expect(
      why.causes.first?.evidence
        == "stopped by --timeout 2 (the whole run's limit); its first failure in its last 3 runs with the same "
        + "script; nothing it uses changed between run 2 and run 3")
  }
}
