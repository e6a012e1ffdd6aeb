import ContentEncoding
import FileWatch
import Foundation
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunForensics
import RunWatch
import TestSupport
import Testing

@testable import RunViews

/// `why --json` and its view, rendered in-process from histories recorded by
/// in-process refreshes, and decoded through the typed contract.
@Suite struct ForensicsRenderingTests {
  let history = RecordedHistory()
  var base: TemporaryDirectory { history.base }
  var scratch: TemporaryDirectory { history.scratch }

  func decoded<T: Decodable>(_ type: T.Type, _ json: JSONText) throws -> T {
    try JSONContract.decode(T.self, from: Data(json.rendered.utf8))
  }

  @Test func whyJSONDecodesThroughTheContractAndItsViewCarriesTheDatabase() throws {
    // A stand-in for os-apply-config (the in-process refresh's PATH has none), named as scripts name it.
    scratch.write(
      "bin/os-apply-config",
      "#!/usr/bin/env python3\nimport json, os, sys\n"
        + "print(json.load(open(os.environ['OS_CONFIG_FILES']))['app'][sys.argv[2].split('.')[1]])\n", mode: 0o755)
    base.script(
      "configure.d/20-app",
      #"[ "$(\#(scratch.url("bin/os-apply-config")) --key app.port)" -lt 9000 ] || { echo "cannot bind" >&2; exit 1; }"#
    )
    let metadata = ["OS_CONFIG_FILES": scratch.url("heat.json")]
    for port in [8080, 8080, 9090] {
      scratch.write("heat.json", #"{"app": {"port": \#(port), "workers": \#(port / 1000)}}"#)
      _ = try history.refresh(environment: metadata)
    }
    let queries = try history.queries()
    let outcome = try WhyAnalysis.explain(run: 3, in: queries, packages: PackageLog(root: scratch.url("no-root")))
    let why = try decoded(JSONContract.Why.self, WhyJSON.render(outcome))
    #expect(why.run == 3 && why.lastGoodRun == 2 && why.firstBadRun == 3 && why.deployment == nil)
    #expect(why.script?.name == "20-app" && why.script?.exitCode == 1 && why.script?.timeoutS == nil)
    #expect(why.causes.map(\.subject) == ["app.port", "app.workers"])
    #expect(why.causes.map(\.rank) == [1, 2] && why.causes.map(\.direct) == [true, false])
    #expect(why.errorLines == ["cannot bind"])
    let text = WhyReport.text(outcome, hint: CommandHint(database: "/srv/h.sqlite"))
    #expect(text.hasPrefix("Run 3 failed in configure/20-app (exit 1), "))
    #expect(text.contains("  1. key app.port: read by the script (os-apply-config --key app.port): 8080 -> 9090\n"))
  }

  @Test func statusJSONOfAnEndedRunDecodesThroughTheContract() throws {
    base.script("configure.d/20-bad", "exit 4")
    #expect(try history.refresh() == .failure)
    let pattern = try RunPartsPattern(RunPartsPattern.defaultScriptPattern)
    let status = RefreshStatus.inspect(
      queries: try history.queries(), lockfile: history.lock, pattern: pattern, slowAfterSeconds: 2)
    let json = try decoded(JSONContract.Status.self, StatusJSON.render(status))
    #expect(!json.running && json.run == nil && json.command == nil && json.waitsOn == nil)
    #expect(json.lastRun?.id == 1 && json.lastRun?.status == .failed && json.lastRun?.failedScript == "20-bad")
    let text = StatusReport.text(status, history: history.database, hint: CommandHint(database: history.database))
    #expect(text.hasSuffix("Why it failed: os-refresh-config why 1 --db \(history.database)\n"))
  }
}

/// The groups `history changes` lists a run's changes under.
@Suite struct FileChangeHeadingTests {
  @Test func eachChangeIsListedUnderWhoMadeIt() {
    let state = FileState(
      kind: .regular, device: 1, inode: 2, size: 3, modified: 4, changed: 4, mode: 0o644, owner: 0, group: 0)
    func heading(_ found: FileChangeTime, _ byRefresh: Bool, _ phase: Phase?, _ script: String?) -> String {
      var record = FileChangeRecord(
        path: "/etc/a", change: .modified, found: found, byRefresh: byRefresh, seenAt: 0, state: state)
      (record.phase, record.script) = (phase, script)
      return FileChangesView.heading(record)
    }
    #expect(heading(.beforeRun, false, nil, nil) == "Changed since the last refresh, outside any")
    #expect(heading(.duringRun, false, nil, nil) == "Changed during the run by processes outside it")
    #expect(heading(.duringRun, true, .configure, "20-write") == "configure/20-write")
    #expect(heading(.duringRun, true, .configure, nil) == "configure (one of its scripts)")
    #expect(heading(.duringRun, true, nil, nil) == "The refresh (found after scripts of several phases)")
  }
}
