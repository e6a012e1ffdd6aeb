import ContentEncoding
import Foundation
import FoundationXML
import RefreshStore
import RunForensics
import RunTelemetry
import TestSupport
import Testing

@testable import RunViews

/// The JSON contract, rendered in-process from real records and decoded
/// through the typed contract models: a renamed, retyped or dropped field
/// fails here without spawning the binary.
@Suite struct RunRenderingTests {
  let history = RecordedHistory()
  var base: TemporaryDirectory { history.base }
  var scratch: TemporaryDirectory { history.scratch }

  /// Two runs: the first succeeds; in the second `20-fails` fails with
  /// output, a metadata key and a secret changed.
  func twoRuns() throws -> (from: RunDetail, to: RunDetail) {
    base.script("configure.d/10-ok", "echo fine")
    base.script("configure.d/20-fails", "[ -e \(scratch.url("break")) ] && { echo broken >&2; exit 3; }; exit 0")
    base.script("post-configure.d/10-restart", "echo restarted")
    let metadata = ["OS_CONFIG_FILES": scratch.url("heat.json")]
    scratch.write("heat.json", #"{"app": {"port": 1}, "db_password": "first-secret-value"}"#)
    #expect(try history.refresh(environment: metadata) == .success)
    scratch.write("break", "")
    scratch.write("heat.json", #"{"app": {"port": 2}, "db_password": "second-secret-value"}"#)
    #expect(try history.refresh(environment: metadata) == .failure)
    return (try history.run("1"), try history.run("2"))
  }

  func decoded<T: Decodable>(_ type: T.Type, _ json: JSONText) throws -> T {
    try JSONContract.decode(T.self, from: Data(json.rendered.utf8))
  }

  @Test func historyShowJSONDecodesThroughTheContract() throws {
    let (_, failed) = try twoRuns()
    let queries = try history.queries()
    let json = try RunJSON.detail(failed) { try queries.output(script: $0.id, stream: $1) }
    let run = try decoded(JSONContract.RunDetail.self, json)
    #expect(run.id == failed.summary.id)
    #expect(run.status == .failed)
    #expect(run.exitCode == 1)
    #expect(run.failedPhase == .configure)
    #expect(run.failedScript == "20-fails")
    #expect(run.failedExitCode == 3)
    #expect(run.version == "test")
    #expect(run.scripts.map(\.name) == ["10-ok", "20-fails"])
    #expect(run.scripts.map(\.stdout.text) == ["fine\n", ""])
    #expect(run.scripts.last?.stderr.text == "broken\n")
    #expect(run.phases.map(\.name) == [.preConfigure, .configure, .postConfigure, .migration])
    #expect(run.phases.map(\.status) == [.absent, .failed, .skipped, .skipped])
    #expect(run.inputs.map(\.path) == [scratch.url("heat.json")])
  }

  @Test func diffJSONDecodesThroughTheContractAndNeverCarriesASecret() throws {
    let (from, to) = try twoRuns()
    let queries = try history.queries()
    let comparison = try RunComparison.load(from: from.summary.id, to: to.summary.id, in: queries, showSecrets: false)
    let json = try DiffJSON.render(comparison, outputs: []) { try queries.output(script: $0.id, stream: $1) }
    #expect(!json.rendered.contains("secret-value"))
    let diff = try decoded(JSONContract.Diff.self, json)
    #expect(diff.from.id == 1 && diff.from.status == .success)
    #expect(diff.to.id == 2 && diff.to.status == .failed && diff.to.failedScript == "20-fails")
    let keys = try #require(diff.inputs.first?.keys)
    #expect(keys.map(\.key) == ["app.port", "db_password"])
    #expect(keys.first?.from == .number(1) && keys.first?.to == .number(2))
    #expect(keys.last?.secret == true && keys.last?.from == nil && keys.last?.to == nil)
    let scripts = Dictionary(uniqueKeysWithValues: diff.scripts.map { ($0.phase.rawValue + "/" + $0.name, $0) })
    #expect(scripts["configure/10-ok"]?.change == "same")
    #expect(scripts["configure/20-fails"]?.outcomeChanged == true)
    #expect(scripts["post-configure/10-restart"]?.change == "removed")
    #expect(scripts["post-configure/10-restart"]?.notReached == true)
  }

  @Test func theTimelineIsWellFormedSVGNamingEveryScriptAndMarkingTheFailure() throws {
    let (_, failed) = try twoRuns()
    let traced = try #require(TracedRun(detail: failed))
    let svg = TimelinePlot(traced).svg
    #expect(XMLParser(data: Data(svg.utf8)).parse(), "well-formed XML")
    #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
    for name in ["10-ok (exit 0", "✗ 20-fails (exit 3", "configure: failed", "✗ configure/20-fails: failed: exited 3"] {
      #expect(svg.contains(name), "\(name)")
    }
    #expect(svg.components(separatedBy: "✗ ").count == 3, "the header and the failed bar, nothing else")
    #expect(!svg.contains("10-restart") && !svg.contains("post-configure"), "what never ran has no bar or band")
    // It scales to its container, and its legend names only the statuses shown.
    #expect(svg.contains("width=\"100%\" viewBox=\"0 0 1400 "))
    #expect(!svg.contains(" width=\"1400\""), "no fixed width")
    #expect(svg.contains(">success</text>") && svg.contains(">failed</text>"))
    for absent in ["killed", "timeout", "interrupted", "skipped"] {
      #expect(!svg.contains(">\(absent)</text>"), "\(absent) is in the legend but no script has it")
    }
    // Every phase's label starts inside its band, which spans the plot.
    let labels = svg.components(separatedBy: "font-weight=\"bold\">").dropFirst().filter {
      $0.hasPrefix("configure:") || $0.hasPrefix("pre-configure:") || $0.hasPrefix("error:")
    }
    #expect(!labels.isEmpty)
    #expect(svg.components(separatedBy: "<text x=\"24\" y=").count - 1 == labels.count, "labels at the band's start")
  }

  /// A run that failed sourcing environment.d names that file wherever a
  /// failed script would be named: the list, the JSON and the timeline.
  @Test func aFailingEnvironmentFileIsNamedAsTheFailure() throws {
    base.script("configure.d/10-never", "exit 0")
    base.write("environment.d/20-broken", "echo broken >&2; exit 4\n")
    #expect(try history.refresh() == .failure)
    let run = try history.run()
    let summary = try decoded(JSONContract.RunSummary.self, .object(RunJSON.summaryFields(run.summary)))
    #expect(summary.failedPhase == .configure)
    #expect(summary.failedScript == "environment.d/20-broken")
    #expect(summary.failedExitCode == 4)
    #expect(HumanFormat.failure(run.summary) == "configure/environment.d/20-broken (exit 4)")
    let svg = TimelinePlot(try #require(TracedRun(detail: run))).svg
    #expect(svg.contains("✗ configure/environment.d/20-broken: sourcing failed"))
    #expect(svg.contains("configure: failed, "))
  }

  @Test func storedTextIsEscapedInTheTimeline() throws {
    let odd = base.url("base <&> \"quoted\"")
    base.script("base <&> \"quoted\"/configure.d/10-ok", "exit 0")
    #expect(try history.refresh { $0.baseDirectory = odd } == .success)
    let traced = try #require(TracedRun(detail: try history.run()))
    let svg = TimelinePlot(traced).svg
    #expect(XMLParser(data: Data(svg.utf8)).parse())
    #expect(svg.contains("base &lt;&amp;&gt; &quot;quoted&quot;/configure.d/10-ok"))
  }
}
