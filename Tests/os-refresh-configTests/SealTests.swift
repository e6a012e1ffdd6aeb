import ContentEncoding
import Foundation
import TestSupport
import Testing

@testable import RefreshStore

/// Sealed runs and `history verify`, through the built binary: an intact
/// history verifies; each way of altering it is found and named.
@Suite struct SealTests {
  /// A node whose refreshes ran `runs` times: 10-ok, then 20-fails (exit 3),
  /// each printing its own pid so no two runs share a stored output.
  private func sealedNode(runs: Int = 4) -> HistoryFixture {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-ok", "echo ok $$")
    fixture.base.script("configure.d/20-fails", "echo failing $$; exit 3")
    for _ in 0..<runs { #expect(fixture.refresh(["--no-watch"]).status == 1) }
    return fixture
  }

  private func verify(_ fixture: HistoryFixture, _ extra: [String] = []) throws -> (Int32, JSONContract.Verify) {
    let result = fixture.history(["verify", "--json"] + extra)
    #expect(result.stderr == "")
    return (result.status, try JSONContract.decode(JSONContract.Verify.self, from: Data(result.stdoutText.utf8)))
  }

  private func problems(_ report: JSONContract.Verify) -> [String] {
    report.problems.map { "\($0.run.map(String.init) ?? "-") \($0.kind)" }
  }

  private func alter(_ fixture: HistoryFixture, _ sql: String) throws {
    try Database(path: fixture.database, create: false).execute(sql)
  }

  @Test func anIntactHistoryVerifies() throws {
    let fixture = sealedNode()
    let (status, report) = try verify(fixture)
    #expect(status == 0)
    #expect(report.ok && report.runsChecked == 4 && report.firstBrokenRun == nil && report.problems.isEmpty)
    #expect(report.recordedBeforeSealing == 0 && !report.keyChecked && report.initialKeyOnNode)
    let text = fixture.history(["verify"])
    #expect(text.status == 0)
    #expect(
      text.stdoutText.split(separator: "\n").map(String.init) == [
        "History intact: 4 sealed runs checked, and every stored content.",
        "The seals' keys were not checked: give the initial verification key with --key FILE.",
        "The initial verification key is still on this node: take it off with `history seal-key`.",
      ])
    let seal = try #require(try fixture.show("2").seal)
    #expect(seal.wholeMatch(of: #/[0-9a-f]{64}/#) != nil)
    #expect(fixture.history(["show", "2"]).stdoutText.contains("\n  Seal      \(seal)\n"))
  }

  /// Each alteration an intruder could make with one statement, and what
  /// `verify` names for it.
  @Test(arguments: [
    (
      "UPDATE scripts SET exit_code = 0, status = 'success' WHERE run_id = 3 AND name = '20-fails'",
      ["3 altered"]
    ),
    (
      "UPDATE contents SET data = CAST('succeeded' AS BLOB) WHERE id = "
        + "(SELECT stdout_head FROM scripts WHERE run_id = 3 AND name = '20-fails')",
      ["3 content_mismatch"]
    ),
    (
      "DELETE FROM scripts WHERE run_id = 2; DELETE FROM phases WHERE run_id = 2; DELETE FROM runs WHERE id = 2",
      ["2 missing_run"]
    ),
    ("DELETE FROM runs WHERE id = 2; DELETE FROM run_seals WHERE run_id = 2", ["3 missing_run"]),
    (
      // Runs 2 and 3 swap places, every row of theirs with them.
      ["runs:id", "scripts:run_id", "phases:run_id", "run_inputs:run_id"].map { entry in
        let (table, column) = (entry.split(separator: ":")[0], entry.split(separator: ":")[1])
        return
          "UPDATE \(table) SET \(column) = CASE \(column) WHEN 2 THEN -3 WHEN 3 THEN -2 END WHERE \(column) IN (2, 3);"
          + "UPDATE \(table) SET \(column) = -\(column) WHERE \(column) < 0;"
      }.joined(),
      ["2 altered", "3 altered"]
    ),
  ])
  func eachAlterationIsFoundAndNamed(sql: String, expected: [String]) throws {
    let fixture = sealedNode()
    try alter(fixture, sql)
    let (status, report) = try verify(fixture)
    #expect(status == 1)
    #expect(!report.ok)
    #expect(problems(report) == expected)
    #expect(report.firstBrokenRun == Int64(expected[0].split(separator: " ")[0]))
  }

  @Test func aPruneLeavesAChainThatStillVerifiesAndTheNextRunSealsIt() throws {
    let fixture = sealedNode(runs: 6)
    #expect(fixture.history(["prune", "--keep-runs", "2"]).status == 0)
    var (status, report) = try verify(fixture)
    #expect(status == 0, "\(problems(report))")
    #expect(report.runsChecked == 2 && report.unsealedPrunes == 1, "runs 5 and 6 kept")
    #expect(fixture.refresh(["--no-watch"]).status == 1)
    (status, report) = try verify(fixture)
    #expect(status == 0, "\(problems(report))")
    #expect(report.runsChecked == 3 && report.unsealedPrunes == 0)
    // The gap's trace altered: the run that sealed the prune names it.
    try alter(fixture, "UPDATE seal_gaps SET last_run = last_run + 1")
    (status, report) = try verify(fixture)
    #expect(status == 1)
    #expect(problems(report) == ["7 altered"])
  }

  @Test func theInitialKeyIsShownOnceAndProvesTheSeals() throws {
    let fixture = sealedNode(runs: 2)
    let key = fixture.history(["seal-key"])
    #expect(key.status == 0)
    #expect(key.stdoutText.wholeMatch(of: #/[0-9a-f]{64}\n/#) != nil)
    #expect(!FileManager.default.fileExists(atPath: fixture.database + ".seal-initial"))
    let again = fixture.history(["seal-key"])
    #expect(again.status == 1 && again.stdoutText == "")
    #expect(again.stderrLines.count == 1)
    #expect(again.stderr.contains("the initial key was shown at"), "\(again.stderr)")
    let keyFile = fixture.scratch.write("kept-off-the-node", key.stdoutText)
    #expect(fixture.refresh(["--no-watch"]).status == 1)
    let (status, report) = try verify(fixture, ["--key", keyFile])
    #expect(status == 0 && report.keyChecked && !report.initialKeyOnNode && report.runsChecked == 3)

    // A history rebuilt from scratch, however consistent, fails against the key.
    for suffix in ["", "-wal", "-shm", ".seal", ".key"] { unlink(fixture.database + suffix) }
    for _ in 0..<3 { #expect(fixture.refresh(["--no-watch"]).status == 1) }
    let (rebuilt, against) = try verify(fixture, ["--key", keyFile])
    #expect(rebuilt == 1)
    #expect(problems(against) == ["1 key_mismatch", "2 key_mismatch", "3 key_mismatch"])
    #expect(try verify(fixture).0 == 0, "consistent in itself")
  }

  @Test func aBadKeyFileIsOneLine() throws {
    let fixture = sealedNode(runs: 1)
    for (content, line) in [
      ("abc\n", "not a seal verification key (64 hex digits, as `history seal-key` printed them)"),
      (String(repeating: "z", count: 64), "not a seal verification key"),
    ] {
      let file = fixture.scratch.write("bad-key", content)
      let result = fixture.history(["verify", "--key", file])
      #expect(result.status == 2 && result.stdoutText == "")
      #expect(result.stderrLines.count == 1 && result.stderr.contains(line), "\(result.stderr)")
    }
  }

  /// The key the next run is sealed under, missing, truncated, another
  /// user's or a link: the refresh goes on (one WARNING), the run is left
  /// unsealed and named by `verify`, and the key file is left as it is.
  @Test(arguments: ["missing", "truncated", "another owner", "a symbolic link", "ahead of the history"])
  func aKeyFileThatCannotBeUsedIsNeverReplaced(problem: String) throws {
    let fixture = sealedNode(runs: 1)
    let path = fixture.database + ".seal"
    let elsewhere = fixture.scratch.write("elsewhere", "not a key")
    switch problem {
    case "missing": unlink(path)
    case "truncated": #expect(truncate(path, 20) == 0)
    case "another owner": #expect(chown(path, 65534, 65534) == 0)
    case "ahead of the history":
      // A key of position 5 (another history's) where this one is at 1.
      let key = Array("ORCSEAL1".utf8) + [0, 0, 0, 0, 0, 0, 0, 5] + [UInt8](repeating: 7, count: 32)
      #expect(FileManager.default.createFile(atPath: path, contents: Data(key)))
    default:
      unlink(path)
      #expect(symlink(elsewhere, path) == 0)
    }
    let before = try? FileManager.default.attributesOfItem(atPath: path)
    let result = fixture.refresh(["--no-watch"])
    #expect(result.status == 1)
    let warnings = result.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("history: run 2 was not sealed (the seal key \(path) cannot be used: ") == true)
    let after = try? FileManager.default.attributesOfItem(atPath: path)
    #expect(
      before?[.size] as? Int == after?[.size] as? Int
        && before?[.ownerAccountID] as? Int == after?[.ownerAccountID] as? Int)
    #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "not a key")
    let (status, report) = try verify(fixture)
    #expect(status == 1)
    #expect(problems(report) == ["2 unsealed"])
  }

  @Test func aHistoryOfThePreviousSchemaIsSealedFromTheMigrationOn() throws {
    let node = try UpgradeFixture()
    #expect(node.refresh().status == 0)
    let result = node.run(["history", "verify", "--json"])
    #expect(result.status == 0, "\(result.stdoutText)")
    let report = try JSONContract.decode(JSONContract.Verify.self, from: Data(result.stdoutText.utf8))
    #expect(report.ok && report.runsChecked == 1 && report.recordedBeforeSealing == 4)
  }

  /// Each seal leaves the node in the trace's root span and an INFO line; a
  /// history rebuilt from scratch, however consistent, fails against the
  /// trace a Collector kept, naming the first run that differs.
  @Test func aRebuiltHistoryFailsAgainstTheWitnessTheTracesKept() throws {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-ok", "echo ok $$")
    let traces = fixture.scratch.url("traces.jsonl")
    var lines: [String] = []
    for _ in 0..<3 {
      let result = fixture.refresh(["--no-watch", "--otlp-file", traces])
      #expect(result.status == 0)
      lines += result.stderrLines.filter { $0.contains("[INFO] history: run ") }
    }
    let seals = try (1...3).map { try #require(try fixture.show(String($0)).seal) }
    #expect(
      lines.map { $0.split(separator: "] ").last.map(String.init) }
        == (1...3).map { "history: run \($0) sealed \(seals[$0 - 1])" })
    let text = try String(contentsOfFile: traces, encoding: .utf8)
    for seal in seals {
      #expect(text.contains(#"{"key":"os_refresh_config.run.seal","value":{"stringValue":"\#(seal)"}}"#))
    }
    var (status, report) = try verify(fixture, ["--witness", traces])
    #expect(status == 0 && report.witnessSeals == 3, "\(problems(report))")

    for suffix in ["", "-wal", "-shm", ".seal", ".seal-initial", ".key"] { unlink(fixture.database + suffix) }
    for _ in 0..<3 { #expect(fixture.refresh(["--no-watch"]).status == 0) }
    #expect(try verify(fixture).0 == 0, "consistent in itself")
    (status, report) = try verify(fixture, ["--witness", traces])
    #expect(status == 1)
    #expect(problems(report) == ["1 witness_mismatch", "2 witness_mismatch", "3 witness_mismatch"])
    #expect(report.firstBrokenRun == 1)
  }

  /// kill -9 between a seal's commit and the key's move leaves the key file
  /// a position behind, perhaps with a half-written `.new` beside it: the
  /// next run derives the key forward (never a new one), and the whole
  /// chain verifies under the initial key.
  @Test func aCrashBetweenASealAndTheKeysMoveIsRecovered() throws {
    let fixture = sealedNode(runs: 1)
    let keyFile = fixture.scratch.write("kept-off-the-node", fixture.history(["seal-key"]).stdoutText)
    let path = fixture.database + ".seal"
    let behind = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(fixture.refresh(["--no-watch"]).status == 1)
    try behind.write(to: URL(fileURLWithPath: path))
    #expect(FileManager.default.createFile(atPath: path + ".new", contents: Data("ORCSEAL1".utf8)))
    let next = fixture.refresh(["--no-watch"])
    #expect(next.status == 1)
    #expect(!next.stderr.contains("[WARNING]"), "\(next.stderr)")
    let (status, report) = try verify(fixture, ["--key", keyFile])
    #expect(status == 0 && report.runsChecked == 3, "\(problems(report))")
    #expect(!FileManager.default.fileExists(atPath: path + ".new"))
  }

  /// A run's file versions are sealed with it (their stored text by digest).
  @Test func aRunsFileVersionsAreSealedWithIt() throws {
    let node = WatchedNode(method: .scan)
    node.base.script("configure.d/10-render", "echo \"workers = $$\" > \(node.etc)/app.conf")
    for _ in 0..<2 { #expect(node.refresh().status == 0) }
    var (status, report) = try verify(node.fixture)
    #expect(status == 0 && report.runsChecked == 2, "\(problems(report))")
    try alter(
      node.fixture,
      "UPDATE file_changes SET content_id = (SELECT content_id FROM file_changes WHERE run_id = 1 AND found = 'baseline'"
        + " AND content_id IS NOT NULL LIMIT 1) WHERE run_id = 2 AND found = 'during_run'")
    (status, report) = try verify(node.fixture)
    #expect(status == 1)
    #expect(problems(report) == ["2 altered"])
  }

  /// `verify` reads the records' second half on a connection of its own, on
  /// another thread: only in the snapshot the first half is read in.
  /// Here, both halves' readings agree with what was sealed; a reading
  /// started after a refresh committed is refused (the first thread then
  /// reads that half itself).
  @Test func theSecondHalfIsReadInTheFirstHalfsSnapshotOrNotAtAll() throws {
    let fixture = sealedNode(runs: 3)
    let database = try Database(path: fixture.database, create: false)
    let sealed = try database.rows("SELECT run_id, position, record_sha256 FROM run_seals ORDER BY position") {
      (HistoryStore.RecordJob(run: $0.int64(0), position: $0.int64(1)), $0.text(2))
    }
    #expect(sealed.count == 3)
    var contents = ContentDigests()
    for (id, text) in try database.rows(
      "SELECT id, sha256 FROM contents ORDER BY id", [], { ($0.int64(0), $0.text(1)) })
    {
      contents.append(id: id, text: text)
    }
    contents.finish()
    let snapshot = try HistoryStore.snapshot(of: database)
    let other = HistoryStore.Connection(database: try database.sibling())
    for kept in [contents, nil] {
      let digests = try #require(
        HistoryStore.digests(of: sealed.map(\.0), on: other, contents: kept, snapshot: snapshot))
      #expect(digests.map(ContentDigest.hex) == sealed.map(\.1))
    }
    #expect(fixture.refresh(["--no-watch"]).status == 1)
    #expect(HistoryStore.digests(of: sealed.map(\.0), on: other, contents: contents, snapshot: snapshot) == nil)
    let (status, report) = try verify(fixture)
    #expect(status == 0 && report.runsChecked == 4, "\(problems(report))")
  }

  /// Content digests looked up by id, whether the ids are dense (a table)
  /// or sparse (a binary search), encode as the sealing subquery gives
  /// them: the text, or NULL for an id that is not there.
  @Test(arguments: [[Int64(1), 2, 3], [5, 9_000, 1_000_000], [-5, 0, .max]])
  func contentDigestsEncodeAsTheSubqueryDoes(ids: [Int64]) {
    var digests = ContentDigests()
    let texts = ["a", "bb", "ccc"]
    for (id, text) in zip(ids, texts) { digests.append(id: id, text: text) }
    digests.finish()
    for probe in ids + [0, 4, 8_999, 2_000_000, .min, .max - 1] {
      var looked = CanonicalEncoder()
      digests.encode(probe, into: &looked)
      var expected = CanonicalEncoder()
      if let index = ids.firstIndex(of: probe) {
        Array(texts[index].utf8).withUnsafeBytes { expected.append(2, sized: $0) }
      } else {
        expected.append(0)
      }
      #expect(looked.finalize() == expected.finalize(), "id \(probe)")
    }
  }
}

extension SealTests {
  /// A refresh killed outright is sealed by the first reader that marks it
  /// abandoned, not left for the next refresh: the key file moves on past it.
  @Test func aReaderSealsTheRunItMarksAbandoned() throws {
    let fixture = sealedNode(runs: 1)
    fixture.base.script(
      "configure.d/15-wait",
      "echo $$ > \(fixture.scratch.url("wait.pid")); touch \(fixture.scratch.url("ready")); sleep 30")
    let running = fixture.startRefresh(["--no-watch"])
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("ready") })
    running.signal(SIGKILL)
    _ = running.wait(atMost: 20)
    if let orphan = fixture.pid("wait.pid") { kill(orphan, SIGKILL) }
    #expect(try SealKey.read(fixture.database + ".seal").position == 1)
    let (status, report) = try verify(fixture)
    #expect(status == 0 && report.runsChecked == 2, "\(problems(report))")
    #expect(try fixture.statuses() == [.abandoned, .failed])
    #expect(try fixture.show("2").seal != nil)
    #expect(try SealKey.read(fixture.database + ".seal").position == 2)
  }

  /// The key file only moves forward: a sealer that moves it after another
  /// already moved it further leaves the newer key in place.
  @Test func theKeyFileNeverMovesBack() throws {
    let scratch = TemporaryDirectory("orc-seal-key")
    let path = scratch.url("history.sqlite.seal")
    let first = SealKey(position: 5, bytes: [UInt8](repeating: 7, count: 32))
    try first.write(to: path)
    try SealKey(position: 4, bytes: [UInt8](repeating: 1, count: 32)).overwrite(path)
    #expect(try SealKey.read(path) == first)
    let later = first.advanced(to: 8)
    try later.overwrite(path)
    #expect(try SealKey.read(path) == later)
  }
}

extension SealTests {
  /// Positions an intruder pushed far ahead never make `verify` or a
  /// refresh derive keys for ever: verify names the seal, the refresh
  /// warns once and leaves its run unsealed (each within the command's bound).
  @Test func aPositionPushedFarAheadIsNamedNotDerived() throws {
    let fixture = sealedNode(runs: 2)
    let keyFile = fixture.scratch.write("kept-off-the-node", fixture.history(["seal-key"]).stdoutText)
    try alter(fixture, "UPDATE run_seals SET position = 9000000000000000000 WHERE run_id = 2")
    let (status, report) = try verify(fixture, ["--key", keyFile])
    #expect(status == 1)
    #expect(problems(report) == ["2 key_mismatch", "2 missing_run"], "\(report.problems)")
    #expect(
      report.problems.first?.detail
        == "sealed at position 9000000000000000000, past the 1000000 verify derives keys for"
    )
    try alter(
      fixture, "UPDATE run_seals SET position = 1 WHERE run_id = 2; UPDATE seal_state SET next_position = 9000000000000"
    )
    let refresh = fixture.refresh(["--no-watch"], seconds: 20)
    #expect(refresh.status == 1)
    let warnings = refresh.stderr.split(separator: "\n").filter { $0.contains("[WARNING]") }
    #expect(
      warnings.count == 1
        && warnings.first?.contains(
          "history: run 3 was not sealed (the seal key \(fixture.database).seal cannot be used: it is at position 2, and the "
            + "history's next is 9000000000000 with only 0 seals made since (an altered history?); it was left as it is"
        ) == true,
      "\(warnings)")
  }
}
