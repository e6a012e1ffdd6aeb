import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// What a power loss can leave of the history, simulated at the file level:
/// the database and its WAL copied at random moments of a run (as the disk
/// could hold them), the WAL's unsynced tail then cut short or a block of it
/// lost. Every such copy must open clean and hold a prefix of what was
/// committed: the runs and scripts in order, none half-written.
@Suite struct PowerLossTests {
  let folder = TemporaryDirectory("orc-power")

  static let end = ScriptEnd(
    finishedAt: 3, durationMicroseconds: 1, exitCode: 0, signal: nil, status: .success, error: nil,
    stdout: CapturedStream(head: Array("ok\n".utf8), tail: [], totalBytes: 3, truncated: false),
    stderr: CapturedStream())

  /// What the recorder writes at a script boundary: the end of the script
  /// whose start was record `previous`, then the start of script `position`
  /// (its sequence number left in `sequence`).
  static func boundary(run: Int64, position: Int, after previous: Int64?, sequence: inout Int64) -> [LogRecord] {
    var records: [LogRecord] = []
    if let previous {
      sequence += 1
      records.append(.scriptEnd(sequence: sequence, start: previous, runID: run, end))
    }
    sequence += 1
    records.append(
      .scriptStart(
        sequence: sequence,
        ScriptStart(
          runID: run, phase: .configure, name: String(format: "%03d", position), path: "/b/configure.d/x",
          position: position, sha256: "ab", content: Array("#!/bin/sh\necho \(position)\n".utf8), startedAt: 2)))
    return records
  }

  /// The WAL's length after the last durable commit (a run's start): a
  /// power loss can take what came after it, never that.
  func walLength() -> Int {
    var info = stat()
    return stat(folder.path + "/db/history.sqlite-wal", &info) == 0 ? Int(info.st_size) : 0
  }

  /// Records `runs` runs of `scripts` scripts with the writer thread's
  /// transactions (a script's start with the end before it), calling
  /// `snapshot` after each commit with the WAL length that was durable then.
  func record(runs: Int, scripts: Int, _ snapshot: (Int, Int) throws -> Void) throws {
    let store = try HistoryStore.openForRecording(at: folder.path + "/db/history.sqlite", now: 0).store
    var commits = 0
    for _ in 0..<runs {
      let run = try store.writer.beginRun(
        RunStart(
          startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
          version: "test", commandLine: [], plannedScripts: scripts, inputs: []))
      let durable = walLength()
      store.startLogSync()
      var rows: [Int64: Int64] = [:]
      var sequence: Int64 = 0
      var previous: Int64?
      for position in 0..<scripts {
        let records = Self.boundary(run: run, position: position, after: previous, sequence: &sequence)
        try store.writer.apply(records, rows: &rows)
        previous = sequence
        commits += 1
        try snapshot(commits, durable)
      }
      if let previous {
        try store.writer.apply([.scriptEnd(sequence: sequence + 1, start: previous, runID: run, Self.end)], rows: &rows)
      }
      try store.writer.finishRun(id: run, finishedAt: 4, durationMicroseconds: 3, status: .success, exitCode: 0)
      store.stopLogSync()
    }
  }

  /// Copies the database and its WAL to `name`, the WAL damaged by `damage`.
  func copy(to name: String, damage: (inout [UInt8]) -> Void) throws -> String {
    let target = folder.path + "/" + name
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    let source = folder.path + "/db/history.sqlite"
    try FileManager.default.copyItem(atPath: source, toPath: target + "/history.sqlite")
    var log = [UInt8](FileManager.default.contents(atPath: source + "-wal") ?? Data())
    damage(&log)
    _ = FileManager.default.createFile(atPath: target + "/history.sqlite-wal", contents: Data(log))
    return target + "/history.sqlite"
  }

  /// Opens a copy as the next refresh would and checks what it holds.
  func check(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let opened = try HistoryStore.openForRecording(at: path, now: 0)
    #expect(opened.quarantine == nil, "not taken for corrupt", sourceLocation: sourceLocation)
    let store = opened.store
    #expect(try store.integrityCheck() == "ok", sourceLocation: sourceLocation)
    let runs = try store.database.rows("SELECT id FROM runs ORDER BY id", []) { $0.int64(0) }
    #expect(!runs.isEmpty, "the first run's start was durable", sourceLocation: sourceLocation)
    #expect(runs == (0..<runs.count).map { Int64($0 + 1) }, sourceLocation: sourceLocation)
    for run in runs {
      let names = try store.database.rows(
        "SELECT name, status FROM scripts WHERE run_id = ? ORDER BY id", [.integer(run)]
      ) { ($0.text(0), $0.text(1)) }
      // A prefix of the scripts, every one but the last ended.
      #expect(names.map(\.0) == (0..<names.count).map { String(format: "%03d", $0) }, sourceLocation: sourceLocation)
      #expect(names.dropLast().allSatisfy { $0.1 == "success" }, sourceLocation: sourceLocation)
    }
  }

  @Test func aCopyTakenAtAnyMomentWithItsLogTornOpensCleanWithAPrefix() throws {
    var generator = SystemRandomNumberGenerator()
    var taken = 0
    try record(runs: 3, scripts: 120) { commit, durable in
      guard Int.random(in: 0..<12, using: &generator) == 0 else { return }
      taken += 1
      try check(try copy(to: "whole-\(commit)") { _ in })
      try check(
        try copy(to: "cut-\(commit)") { log in
          log.removeLast(Int.random(in: 0...max(0, log.count - durable), using: &generator))
        })
      try check(
        try copy(to: "hole-\(commit)") { log in
          guard log.count - durable > 4096 else { return }
          let start = Int.random(in: durable..<(log.count - 4096), using: &generator)
          for index in start..<(start + 4096) { log[index] = 0 }
        })
    }
    #expect(taken > 5, "only \(taken) copies")
  }

  @Test func commitsWithoutFsyncAreSyncedWithinTheInterval() throws {
    let store = try HistoryStore.openForRecording(at: folder.path + "/db/history.sqlite", now: 0).store
    let run = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 1, inputs: []))
    store.startLogSync()
    let sync = try #require(store.database.logSync, "the sync thread starts")
    for position in 0..<20 {
      _ = try store.writer.beginScript(
        ScriptStart(
          runID: run, phase: .configure, name: "\(position)", path: "/b/x", position: position, sha256: nil,
          content: nil, startedAt: 2))
    }
    let ticksAtCommit = sync.ticks
    #expect(waitUntil(seconds: 30) { sync.pendingCommits == 0 })
    // The documented bound, in the sync's own ticks (each at most one
    // interval apart), not in seconds: the tick under way when the commits
    // were made may have read the count before them; the next syncs them.
    #expect(sync.ticks - ticksAtCommit <= 2, "\(sync.ticks - ticksAtCommit) ticks")
    store.stopLogSync()
    #expect(store.database.logSync == nil)
  }

  /// The refresh's own path: records go to the pending log first and a
  /// writer applies them behind. A copy taken while the writer lags (the
  /// database holding fewer records than the log), with the log's unsynced
  /// tail cut anywhere, opens clean and, once the log is applied, holds a
  /// prefix of the run: every record the cut left, none twice.
  @Test func aCopyWithTheWriterBehindAndItsPendingLogCutRecoversAPrefix() throws {
    let path = folder.path + "/db/history.sqlite"
    let store = try HistoryStore.openForRecording(at: path, now: 0).store
    let run = try store.writer.beginRun(
      RunStart(
        startedAt: 1, baseDirectory: "/b", hostname: "node", pid: 1, bootID: "boot", processStart: 1,
        version: "test", commandLine: [], plannedScripts: 200, inputs: []))
    let log = try #require(PendingLog.openForRun(HistoryFiles(database: path)))
    let writer = try #require(PendingWriter(files: HistoryFiles(database: path)))
    var generator = SystemRandomNumberGenerator()
    var sequence: Int64 = 0
    var previous: Int64?
    var checked = 0
    // Records the writer has not been given yet: it lags, in order, as it
    // does when the database is slower than the scripts.
    var behind: [LogRecord] = []
    for position in 0..<200 {
      let records = Self.boundary(run: run, position: position, after: previous, sequence: &sequence)
      previous = sequence
      #expect(log.append(records))
      behind += records
      if Bool.random(using: &generator) {
        writer.submit(behind)
        behind.removeAll()
      }
      guard Int.random(in: 0..<15, using: &generator) == 0 else { continue }
      #expect(writer.drain())
      let target = folder.path + "/lag-\(position)"
      try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
      for suffix in ["", "-wal"] {
        try FileManager.default.copyItem(atPath: path + suffix, toPath: target + "/history.sqlite" + suffix)
      }
      var pending = [UInt8](FileManager.default.contents(atPath: log.path) ?? Data())
      pending.removeLast(Int.random(in: 0...pending.count, using: &generator))
      _ = FileManager.default.createFile(atPath: target + "/history.sqlite-pending", contents: Data(pending))
      let kept = PendingLog.parse(pending)
      let copy = try HistoryStore.openForReading(at: target + "/history.sqlite")
      #expect(try copy.integrityCheck() == "ok")
      let names = try copy.database.rows(
        "SELECT name FROM scripts WHERE run_id = ? ORDER BY id", [.integer(run)]
      ) { $0.text(0) }
      #expect(names == (0..<names.count).map { String(format: "%03d", $0) }, "a prefix, none twice")
      let started = kept.filter { if case .scriptStart = $0 { true } else { false } }.count
      #expect(names.count >= started, "every start the cut left is there")
      checked += 1
    }
    writer.stop()
    #expect(checked > 3, "only \(checked) copies")
  }
}
