import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// `diff`, timelines, statistics, retention, redaction and export, on real
/// histories made by running the binary on base directories that change.
@Suite struct ForensicsTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  func refresh(_ arguments: [String] = [], environment: [String: String] = [:]) -> CommandResult {
    fixture.refresh(arguments, environment: ["OS_CONFIG_FILES": scratch.url("heat.json")].merging(environment) { $1 })
  }

  /// stdout lines of a history/diff command, with local times replaced by TIME.
  func lines(_ result: CommandResult) -> [String] {
    result.stdoutText.replacing(#/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]+/#, with: "TIME")
      .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
  }

  /// A `history` command's JSON, decoded through the contract.
  func json<T: Decodable>(_ arguments: [String], as type: T.Type) throws -> T {
    let result = fixture.history(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONContract.decode(T.self, from: result.stdout)
  }

  func diff(_ arguments: [String]) -> CommandResult {
    runCommand(
      Binaries.ours, ["diff"] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  /// Run 1 succeeds; run 2 has changed metadata (a secret among it), an
  /// edited script that now fails, an added script, a removed one, a new
  /// environment file.
  func makeBrokenDeploy() {
    scratch.write(
      "heat.json",
      #"{"neutron": {"ovs": {"bridge_mappings": "datacentre:br-ex"}, "db_password": "old-secret"}, "servers": ["a", "b"], "same": 1}"#
    )
    base.write("environment.d/10-site", "export SITE=one\n")
    base.script("configure.d/10-neutron", "echo bridge ok")
    base.script("configure.d/30-old", "echo old")
    base.script("post-configure.d/10-restart", "echo restarted")
    #expect(refresh().status == 0)
    scratch.write(
      "heat.json",
      #"{"neutron": {"ovs": {"bridge_mappings": "datacentre:br-ex2"}, "db_password": "new-secret"}, "servers": ["a"], "same": 1, "debug": true}"#
    )
    base.write("environment.d/20-proxy", "export HTTP_PROXY=http://proxy\n")
    base.script("configure.d/05-new", "echo new")
    base.script("configure.d/10-neutron", "echo bridge missing; echo 'cannot find br-ex2' >&2; exit 3")
    try? FileManager.default.removeItem(atPath: base.url("configure.d/30-old"))
    #expect(refresh().status == 1)
  }

  @Test func diffExplainsABrokenDeploy() throws {
    makeBrokenDeploy()
    let result = diff([])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      lines(result) == [
        "From run 1: success, TIME",
        "To   run 2: failed, TIME, failed in configure/10-neutron (exit 3)",
        "",
        "Inputs",
        "  changed  \(scratch.url("heat.json"))",
        #"      ~ neutron.ovs.bridge_mappings: "datacentre:br-ex" -> "datacentre:br-ex2""#,
        "      ~ neutron.db_password: secret changed",
        #"      - servers.1 (was "b")"#,
        "      + debug = true",
        "  added    \(base.url("environment.d/20-proxy")) (environment.d)",
        "",
        "Scripts",
        "  configure/05-new           added, success",
        "  configure/10-neutron       content changed, success -> failed (exit 3)",
        "  configure/30-old           not reached",
        "  post-configure/10-restart  not reached",
      ])
    #expect(!result.stdoutText.contains("old-secret") && !result.stdoutText.contains("new-secret"))

    // Recorded without --store-secrets, the secret was never stored: shown,
    // it is its keyed digest.
    let shown = diff(["--show-secrets"])
    #expect(shown.stdoutText.contains(#"      ~ neutron.db_password: "<secret:hmac-sha256:"#))
    #expect(!shown.stdoutText.contains("old-secret") && !shown.stdoutText.contains("new-secret"))

    let output = diff(["1", "2", "--output"])
    let tail = Array(lines(output).drop { $0 != "Output of configure/10-neutron (stdout)" })
    #expect(
      tail == [
        "Output of configure/10-neutron (stdout)",
        "--- run 1 configure/10-neutron stdout",
        "+++ run 2 configure/10-neutron stdout",
        "@@ -1 +1 @@",
        "-bridge ok",
        "+bridge missing",
        "",
        "Output of configure/10-neutron (stderr)",
        "--- run 1 configure/10-neutron stderr",
        "+++ run 2 configure/10-neutron stderr",
        "@@ -0,0 +1 @@",
        "+cannot find br-ex2",
      ])
  }

  @Test func diffJSONFollowsTheContractAndMasksToo() throws {
    makeBrokenDeploy()
    let result = diff(["--json"])
    #expect(result.status == 0)
    #expect(!result.stdoutText.contains("old-secret") && !result.stdoutText.contains("new-secret"))
    let object = try JSONContract.decode(JSONContract.Diff.self, from: result.stdout)
    #expect(object.from.id == 1)
    #expect(object.from.status == .success)
    #expect(object.to.status == .failed)
    let inputs = object.inputs
    #expect(inputs.map(\.change) == ["changed", "same", "added"])
    let keys = inputs[0].keys
    #expect(
      keys.map(\.key) == ["neutron.ovs.bridge_mappings", "neutron.db_password", "servers.1", "debug"])
    #expect(keys.map(\.change) == ["changed", "changed", "removed", "added"])
    #expect(keys.map(\.secret) == [false, true, false, false])
    #expect(keys[1].from == nil && keys[1].to == nil)
    #expect(keys[0].to == .string("datacentre:br-ex2"), "values are JSON values, not JSON text")
    #expect(keys[3].to == .bool(true))
    #expect(keys[2].to == nil)
    let scripts = object.scripts
    #expect(
      scripts.map { "\($0.phase.rawValue)/\($0.name) \($0.change)" } == [
        "configure/05-new added", "configure/10-neutron changed", "configure/30-old removed",
        "post-configure/10-restart removed",
      ])
    #expect(scripts[0].from == nil)
    #expect(scripts[1].contentChanged)
    #expect(scripts[1].outcomeChanged)
    #expect(
      scripts[1].to?.stderr.text == "cannot find br-ex2\n")
    #expect(scripts[1].to?.exitCode == 3)
  }

  @Test func aRunComparedWithItselfShowsNothingChanged() throws {
    makeBrokenDeploy()
    let result = diff(["2", "2"])
    #expect(lines(result).last == "Nothing changed.")
    let object = try JSONContract.decode(JSONContract.Diff.self, from: diff(["2", "2", "--json"]).stdout)
    let changes = object.inputs.map(\.change) + object.scripts.map(\.change)
    #expect(!changes.isEmpty)
    #expect(changes.allSatisfy { $0 == "same" })
  }

  @Test func differentBaseDirectoriesAreSaidFirst() {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-a", "true")
    #expect(refresh().status == 0)
    let other = TemporaryDirectory("orc-other")
    other.script("configure.d/10-a", "true")
    #expect(refresh(["--base-dir", other.path]).status == 0)
    let result = diff(["1", "2"])
    #expect(
      lines(result).first == "Note: the runs used different base directories: \(base.path) and \(other.path)")
  }

  @Test func inputsThatAreNotJSONOrUnreadableAreComparedByHash() {
    scratch.write("heat.json", "not json at all")
    base.script("configure.d/10-a", "true")
    #expect(refresh().status == 0)
    scratch.write("heat.json", "still not json")
    #expect(
      refresh(environment: ["OS_CONFIG_FILES": scratch.url("heat.json") + ":" + scratch.url("missing.json")]).status
        == 0)
    let result = diff([])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(lines(result).contains("  changed  \(scratch.url("heat.json"))  (content not kept: digest compared)"))
    #expect(lines(result).contains("  added    \(scratch.url("missing.json"))"))
  }

  @Test func aScriptThatGotMuchSlowerIsShown() {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-slow", #"sleep "${NAP:-0}""#)
    #expect(refresh().status == 0)
    #expect(refresh(environment: ["NAP": "1.3"]).status == 0)
    let line = lines(diff([])).first { $0.hasPrefix("  configure/10-slow") }
    #expect(line?.wholeMatch(of: #/  configure/10-slow  slower: 0\.\d\ds -> 1\.\d\ds/#) != nil, "\(line ?? "none")")
  }

  @Test func diffArgumentsAreCheckedInOneLine() {
    #expect(
      diff([]).stderrLines == [
        "os-refresh-config: error: no history database at \(fixture.database) (no refresh has been recorded there yet)"
      ])
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-a", "true")
    #expect(refresh().status == 0)
    let cases: [([String], Int32, String)] = [
      ([], 1, "os-refresh-config: error: run 1 is the first recorded run: there is nothing before it to compare with"),
      (["7"], 1, "os-refresh-config: error: no run '7' in the history"),
      (
        ["1", "x"], 1,
        "os-refresh-config: error: invalid run 'x': expected a run id, latest, last-success or last-failure"
      ),
      (
        ["1", "1", "1"], 2,
        "os-refresh-config: error: diff takes at most two runs (FROM TO), not 3 (see 'os-refresh-config diff --help')"
      ),
    ]
    for (arguments, status, line) in cases {
      let result = diff(arguments)
      #expect(result.status == status, "\(arguments)")
      #expect(result.stderrLines == [line], "\(arguments)")
    }
  }

  @Test func aScriptsTimelineMarksContentChanges() throws {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-a", #"exit "${EXIT_WITH:-0}""#)
    #expect(refresh().status == 0)
    #expect(refresh(environment: ["EXIT_WITH": "2"]).status == 1)
    base.script("configure.d/10-a", "echo edited")
    #expect(refresh().status == 0)
    let entries = try json(["script", "configure/10-a", "--json"], as: [JSONContract.TimelineEntry].self)
    #expect(entries.map(\.runId) == [3, 2, 1])
    #expect(entries.map(\.status) == [.success, .failed, .success])
    #expect(entries.map(\.exitCode) == [0, 2, 0])
    #expect(entries.map(\.contentChanged) == [true, false, false])
    let human = lines(fixture.history(["script", "configure/10-a", "--limit", "2"]))
    #expect(human.count == 3)
    #expect(human[1].hasSuffix("changed"))
    #expect(!human[2].hasSuffix("changed"))
    let missing = fixture.history(["script", "configure/99-none"])
    #expect(missing.status == 1)
    #expect(missing.stderrLines == ["os-refresh-config: error: no script configure/99-none in the history"])
  }

  @Test func statisticsCountRunsFailuresAndPercentiles() throws {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-flaky", #"exit "${EXIT_WITH:-0}""#)
    base.script("configure.d/20-steady", "true")
    for exit in ["0", "1", "0", "1", "0"] { _ = refresh(environment: ["EXIT_WITH": exit]) }
    let stats = try json(["stats", "--json"], as: [JSONContract.Statistics].self)
    let flaky = try #require(stats.first { $0.name == "10-flaky" })
    #expect(flaky.runs == 5)
    #expect(flaky.failures == 2)
    #expect(flaky.lastFailureRun == 4)
    #expect((flaky.p95S ?? -1) >= (flaky.medianS ?? 0))
    let steady = try #require(stats.first { $0.name == "20-steady" })
    #expect(steady.runs == 3)
    #expect(steady.failures == 0)
    #expect(steady.lastFailureRun == nil)
    let human = lines(fixture.history(["stats"]))
    #expect(human.first == "Slowest (by 95th percentile)")
    #expect(human.contains("Most failing"))
  }

  @Test func pruningKeepsTheBaselinesAndTheFileStopsGrowing() throws {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-noise", #"head -c 3000 /dev/urandom | od -An -tx1; exit "${EXIT_WITH:-0}""#)
    #expect(refresh(environment: ["EXIT_WITH": "1"]).status == 1)
    var sizes: [Int] = []
    for _ in 0..<40 {
      #expect(refresh(["--keep-runs", "5"]).status == 0)
      var info = stat()
      stat(fixture.database, &info)
      sizes.append(Int(info.st_size))
    }
    let ids = try fixture.runs().map(\.id)
    #expect(ids == [41, 40, 39, 38, 37, 1], "the newest five and the newest failed run are kept")
    #expect(sizes[39] <= sizes[19], "the file grew from \(sizes[19]) to \(sizes[39]) bytes under steady pruning")

    let pruned = fixture.history(["prune", "--keep-runs", "2"])
    #expect(pruned.status == 0)
    #expect(
      pruned.stdoutText.wholeMatch(of: #/removed 3 runs, 3 script records, \d+ stored contents \(.+\)\n/#) != nil,
      "\(pruned.stdoutText)")
    let left = try fixture.runs().map(\.id)
    #expect(left == [41, 40, 1])
    #expect(try fixture.integrity() == "ok")
    let store = try HistoryStore.openForReading(at: fixture.database)
    let orphans = try store.database.firstRow("SELECT count(*) FROM contents WHERE refs <= 0") { $0.int64(0) }
    #expect(orphans == 0)

    let old = fixture.history(["prune", "--older-than", "0s"])
    #expect(old.status == 0)
    #expect(
      old.stdoutText.wholeMatch(of: #/removed 1 runs, 1 script records, 1 stored contents \(\d+\.\d KiB\)\n/#) != nil,
      "\(old.stdoutText)")
    let kept = try fixture.runs().map(\.id)
    #expect(kept == [41, 1])
    for arguments in [["prune"], ["prune", "--older-than", "soon"], ["prune", "--keep-runs", "0"]] {
      let result = fixture.history(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderrLines.count == 1, "\(arguments)")
    }
  }

  @Test func redactionHidesMatchesInStoredOutputOnly() throws {
    scratch.write("heat.json", #"{"api": {"token": "tok-123", "url": "http://x"}}"#)
    scratch.write("patterns", "# secrets\nBEGIN KEY.*END KEY\n")
    base.script("configure.d/10-leaky", "echo 'login password=hunter2 ok'; echo 'BEGIN KEY abc END KEY' >&2")
    let result = refresh(["--redact", "password=[^ ]*", "--redact-file", scratch.url("patterns"), "--redact-metadata"])
    #expect(result.status == 0)
    #expect(result.stdoutText == "login password=hunter2 ok\n")
    #expect(result.stderr.contains("BEGIN KEY abc END KEY\n"))
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.stdout.text == "login <redacted> ok\n")
    #expect(script.stdout.bytes == 26)
    #expect(script.stderr.text == "<redacted>\n")
    let store = try HistoryStore.openForReading(at: fixture.database)
    let metadata = String(decoding: try store.queries.inputs(run: 1).first?.content ?? [], as: UTF8.self)
    #expect(!metadata.contains("tok-123"))
    #expect(metadata.contains(#""url":"http://x""#))
    #expect(metadata.contains("<secret:hmac-sha256:"))

    let bad = refresh(["--redact", "(unclosed"])
    #expect(bad.status == 1)
    #expect(bad.stderrLines.count == 1)
    #expect(bad.stderr.contains("invalid --redact expression '(unclosed'"))
  }

  @Test func exportPrintsOneRunPerLineOldestFirst() throws {
    scratch.write("heat.json", "{}")
    base.script("configure.d/10-a", "echo a")
    for _ in 0..<3 { #expect(refresh().status == 0) }
    let result = fixture.history(["export"])
    #expect(result.status == 0)
    let records = try result.stdoutText.split(separator: "\n").map {
      try JSONContract.decode(JSONContract.RunDetail.self, from: Data($0.utf8))
    }
    #expect(records.map(\.id) == [1, 2, 3])
    #expect(records.allSatisfy { $0.phases.count == 4 })
    #expect(fixture.history(["export", "--since", "2999-01-01"]).stdoutText == "")
    #expect(fixture.history(["export", "--format", "csv"]).status == 2)
  }
}
