import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import ContentEncoding
@testable import RefreshStore

@Suite struct HistoryStoreTests {
  let folder = TemporaryDirectory("orc-store")

  func store() throws -> HistoryStore {
    try HistoryStore.openForRecording(at: folder.path + "/db/history.sqlite", now: 0).store
  }

  func start(_ store: HistoryStore, inputs: [InputRecord] = []) throws -> Int64 {
    try store.writer.beginRun(
      RunStart(
        startedAt: 1_000_000, baseDirectory: "/base", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: ["os-refresh-config", "--x"], plannedScripts: 2, inputs: inputs))
  }

  @Test func identicalContentsAreStoredOnce() throws {
    let store = try store()
    let metadata = Array(#"{"a": 1}"#.utf8)
    let input = InputRecord(
      kind: .config, path: "/m.json", sha256: ContentDigest.sha256Hex(metadata), content: metadata)
    let run = try start(store, inputs: [input, input])
    let output = CapturedStream(head: Array("same output".utf8), tail: [], totalBytes: 11, truncated: false)
    for position in 0..<3 {
      let script = try store.writer.beginScript(
        ScriptStart(
          runID: run, phase: .configure, name: "1\(position)-x", path: "/base/configure.d/1\(position)-x",
          position: position, sha256: "abc", content: Array("#!/bin/sh\n".utf8), startedAt: 2_000_000))
      try store.writer.finishScript(
        id: script,
        ScriptEnd(
          finishedAt: 3_000_000, durationMicroseconds: 1_000_000, exitCode: 0, signal: nil, status: .success,
          error: nil, stdout: output, stderr: CapturedStream()))
    }
    let count = try store.database.statement("SELECT count(*) FROM contents")
    #expect(try count.step())
    #expect(count.int64(0) == 3)  // the metadata, the script, the output
    #expect(try store.queries.output(script: 1, stream: .stdout) == output)
  }

  @Test func runReferencesResolveAndHostileOnesAreRefused() throws {
    let store = try store()
    let first = try start(store)
    try store.writer.finishRun(id: first, finishedAt: 2, durationMicroseconds: 1, status: .success, exitCode: 0)
    let second = try start(store)
    try store.writer.finishRun(id: second, finishedAt: 2, durationMicroseconds: 1, status: .failed, exitCode: 1)
    #expect(try store.queries.resolveRun(.latest) == second)
    #expect(try store.queries.resolveRun(.lastSuccess) == first)
    #expect(try store.queries.resolveRun(.lastFailure) == second)
    #expect(try store.queries.resolveRun(typed: "1") == first)
    #expect(
      try RunReference(parsing: "last-failure") == .lastFailure
        && RunReference.lastFailure.description == "last-failure")
    for hostile in ["-1", "1e9", "0", "01", "'; DROP TABLE runs; --", "", " 1", "99999999999999999999"] {
      #expect(throws: StoreError.invalidRunReference(hostile)) { try RunReference(parsing: hostile) }
    }
    #expect(throws: StoreError.unknownRun("3")) { try store.queries.resolveRun(typed: "3") }
    #expect(try store.queries.runs(limit: nil).map(\.id) == [second, first])
  }

  @Test func runsWhoseProcessIsGoneBecomeAbandonedWithTheirScript() throws {
    let store = try store()
    let run = try start(store)
    _ = try store.writer.beginScript(
      ScriptStart(
        runID: run, phase: .configure, name: "10-x", path: "/x", position: 0, sha256: nil, content: nil,
        startedAt: 1))
    try store.writer.recordPhase(
      runID: run, phase: .configure, status: .running, startedAt: 1, finishedAt: nil, durationMicroseconds: nil)
    #expect(try store.abandonStaleRuns { _, _, _, _ in true } == 0)
    #expect(try store.abandonStaleRuns { _, _, _, _ in false } == 1)
    let detail = try store.queries.run(run)
    #expect(detail.summary.status == .abandoned)
    #expect(detail.summary.failedScriptPhase == .configure)
    #expect(detail.summary.failedScript == "10-x")
    #expect(detail.phases.map(\.status) == [.skipped, .abandoned, .skipped, .skipped])
    #expect(detail.phases[1].scripts.map(\.status) == [.abandoned])
  }

  @Test func jsonTextEscapesAndKeepsKeyOrder() {
    let value = JSONText.object([
      ("z", .string("quote \" backslash \\ newline \n tab \t bell \u{07} é")), ("a", .decimal(1.5, decimals: 3)),
      ("n", .null), ("list", .array([.integer(-3), .bool(true)])),
    ])
    #expect(
      value.rendered
        == #"{"z":"quote \" backslash \\ newline \n tab \t bell \u0007 é","a":1.500,"n":null,"list":[-3,true]}"#)
    #expect(JSONText.fixed(0.0004, decimals: 3) == "0.000")
    #expect(JSONText.fixed(-2.0006, decimals: 3) == "-2.001")
  }

  @Test func aReaderNeverCreatesOrSchemasADatabase() throws {
    let path = folder.path + "/empty.sqlite"
    #expect(throws: StoreError.noDatabase(path: path)) { _ = try HistoryStore.openForReading(at: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    #expect(throws: StoreError.noDatabase(path: path)) { _ = try HistoryStore.openForReading(at: path) }
    #expect(try HistoryStore.schemaVersionOnDisk(at: path) == 0)
  }

  @Test func twoQuarantinesInTheSameSecondKeepBothFiles() throws {
    let path = folder.path + "/db/history.sqlite"
    try FileManager.default.createDirectory(atPath: folder.path + "/db", withIntermediateDirectories: true)
    chmod(folder.path + "/db", 0o700)
    var moved: [String] = []
    for garbage in ["first garbage", "second garbage"] {
      try? FileManager.default.removeItem(atPath: path)
      try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
      try Data(garbage.utf8).write(to: URL(fileURLWithPath: path))
      chmod(path, 0o600)
      let opened = try HistoryStore.openForRecording(at: path, now: 1_795_514_400_000_000)
      moved.append(try #require(opened.quarantine).movedTo)
    }
    #expect(moved == [path + ".corrupt-20261124T100000Z", path + ".corrupt-20261124T100000Z-2"])
    #expect(try String(contentsOfFile: moved[0], encoding: .utf8) == "first garbage")
    #expect(try String(contentsOfFile: moved[1], encoding: .utf8) == "second garbage")
  }
}

/// A path opened as an immutable URI is never read as URI parameters.
@Suite struct ImmutableOpenTests {
  @Test func everyReservedByteOfThePathIsPercentEncoded() {
    #expect(Database.percentEncoded("/var/lib/a b/h.sqlite") == "/var/lib/a%20b/h.sqlite")
    #expect(Database.percentEncoded("/x?immutable=0&mode=rw#f%") == "/x%3Fimmutable%3D0%26mode%3Drw%23f%25")
    #expect(Database.percentEncoded("/é") == "/%C3%A9")
  }

  @Test func aPathWithURIBytesOpensAsTheFileItNames() throws {
    let folder = TemporaryDirectory("orc-immutable")
    let path = folder.url("odd ?mode=memory#x.sqlite")
    let writer = try Database(path: path)
    try writer.execute("CREATE TABLE t (x); INSERT INTO t VALUES (7)")
    let reader = try Database(path: path, immutable: true)
    #expect(try reader.firstRow("SELECT x FROM t", []) { $0.int64(0) } == 7)
  }
}
