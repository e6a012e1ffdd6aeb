import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// The pending log: records read back as written, a torn or damaged tail
/// ends the reading, and recovery applies each record once.
@Suite struct PendingLogTests {
  let folder = TemporaryDirectory("orc-pending")
  var databasePath: String { folder.path + "/db/history.sqlite" }

  static let end = ScriptEnd(
    finishedAt: 9, durationMicroseconds: 3, exitCode: nil, signal: 9, status: .killed, error: "cannot execute: x",
    stdout: CapturedStream(head: [0, 1, 0xFF], tail: Array("tail".utf8), totalBytes: 99, truncated: true),
    stderr: CapturedStream(), combinedOutput: true, terminal: true)

  static func records(run: Int64) -> [LogRecord] {
    [
      .phase(
        sequence: 1, runID: run,
        PhaseRecord(phase: .configure, status: .running, startedAt: 5, finishedAt: nil, durationMicroseconds: nil)),
      .scriptStart(
        sequence: 2,
        ScriptStart(
          runID: run, phase: .configure, name: "10-é", path: "/b/configure.d/10-é", position: 0, sha256: "ab",
          content: Array("#!/bin/sh\n".utf8), startedAt: 6)),
      .scriptEnd(sequence: 3, start: 2, runID: run, end),
      .environmentFailure(
        sequence: 4, runID: run, .configure,
        EnvironmentFailureRecord(file: nil, exitCode: 1, signal: nil, output: [1, 2], combinedOutput: false)),
      .phase(
        sequence: 5, runID: run,
        PhaseRecord(phase: .configure, status: .failed, startedAt: 5, finishedAt: 10, durationMicroseconds: 5)),
      .runEnd(sequence: 6, runID: run, RunEnd(finishedAt: 11, durationMicroseconds: 6, status: .failed, exitCode: 1)),
    ]
  }

  func framed(_ records: [LogRecord]) -> [UInt8] {
    var bytes: [UInt8] = []
    for record in records { PendingLog.frame(record.encoded(), into: &bytes) }
    return bytes
  }

  @Test func everyKindReadsBackAsWritten() {
    let records = Self.records(run: 7)
    let parsed = PendingLog.parse(framed(records))
    #expect(parsed.count == records.count)
    #expect(parsed.map(\.sequence) == [1, 2, 3, 4, 5, 6])
    #expect(parsed.allSatisfy { $0.runID == 7 })
    guard case .scriptEnd(_, let start, _, let end) = parsed[2] else {
      Issue.record("not an end: \(parsed[2])")
      return
    }
    #expect(start == 2)
    #expect(end.stdout == Self.end.stdout && end.signal == 9 && end.exitCode == nil && end.combinedOutput)
    guard case .scriptStart(_, let script) = parsed[1] else {
      Issue.record("not a start: \(parsed[1])")
      return
    }
    #expect(script.name == "10-é" && script.content == Array("#!/bin/sh\n".utf8))
  }

  @Test func aTornOrDamagedRecordEndsTheReading() {
    let bytes = framed(Self.records(run: 7))
    for cut in stride(from: 1, to: bytes.count, by: 7) {
      let parsed = PendingLog.parse(Array(bytes.prefix(cut)))
      #expect(parsed.map(\.sequence) == Array(1...Int64(max(parsed.count, 1))).prefix(parsed.count).map { $0 })
      #expect(parsed.count < 6)
    }
    var damaged = bytes
    damaged[30] ^= 0x40  // inside the first record's payload
    #expect(PendingLog.parse(damaged).isEmpty)
  }

  /// Recovery reads the log in batches, so a log of any size costs the
  /// memory of one batch: split at every record here, the outcome is the same.
  @Test(arguments: [8 << 20, 1])
  func recoveryAppliesWhatTheDatabaseLacksOnceAndEmptiesTheLog(batchBytes: Int) throws {
    let store = try HistoryStore.openForRecording(at: databasePath, now: 0).store
    let run = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 1, inputs: []))
    let records = Self.records(run: run)
    // The writer thread had applied the first two before the process died.
    var rows: [Int64: Int64] = [:]
    try store.writer.apply(Array(records.prefix(2)), rows: &rows)
    let log = try #require(PendingLog.openForRun(HistoryFiles(database: databasePath)))
    #expect(log.append(records))
    var batches = 0
    log.forEachBatch(byteLimit: batchBytes) { _ in batches += 1 }
    #expect(batches == (batchBytes == 1 ? records.count : 1))
    #expect(try store.recoverPending(from: log, batchBytes: batchBytes) == 4)
    #expect(log.records().isEmpty, "emptied")
    let detail = try store.queries.run(run)
    #expect(detail.summary.status == .failed)
    let phase = try #require(detail.phases.first { $0.name == .configure })
    #expect(phase.status == .failed && phase.environmentFailure?.exitCode == 1)
    #expect(phase.scripts.count == 1, "the start applied before is not applied twice")
    #expect(phase.scripts.first?.status == .killed && phase.scripts.first?.combinedOutput == true)
    // A second process cannot take a log a live one holds.
    #expect(PendingLog.openForRun(HistoryFiles(database: databasePath)) == nil)
  }
}

/// The pending log's path is never another name of a file we would append
/// to and truncate.
@Suite struct PendingLogPathTests {
  let folder = TemporaryDirectory("orc-pending-path")
  var databasePath: String { folder.path + "/history.sqlite" }

  @Test func aHardLinkAtThePathIsRefusedAndItsTargetUntouched() throws {
    let target = folder.write("precious", "keep me\n", mode: 0o600)
    #expect(link(target, HistoryFiles(database: databasePath).pendingLog) == 0)
    #expect(PendingLog.openForRun(HistoryFiles(database: databasePath)) == nil)
    #expect(folder.read("precious") == "keep me\n")
  }

  @Test func aSymbolicLinkAtThePathIsRefused() throws {
    let target = folder.write("precious", "keep me\n", mode: 0o600)
    #expect(symlink(target, HistoryFiles(database: databasePath).pendingLog) == 0)
    #expect(PendingLog.openForRun(HistoryFiles(database: databasePath)) == nil)
    #expect(folder.read("precious") == "keep me\n")
  }

  @Test func aPlainFileIsOpenedAndLocked() throws {
    let log = try #require(PendingLog.openForRun(HistoryFiles(database: databasePath)))
    #expect(PendingLog.openForRun(HistoryFiles(database: databasePath)) == nil, "locked by the first")
    _ = log
  }
}
