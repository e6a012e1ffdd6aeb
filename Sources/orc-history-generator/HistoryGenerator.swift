import ContentEncoding
import RefreshStore
import RefreshVocabulary

/// Writes synthetic runs that look like a node's into a history.
final class HistoryGenerator {
  private let store: HistoryStore
  private let scriptsPerRun: Int
  private let files: GeneratedFiles
  private var random = SystemRandomNumberGenerator()
  private let outputs = (0..<50).map { index in Array("line \(index) of typical output\n".utf8) }
  private static let start: Int64 = 1_700_000_000_000_000

  init(path: String, scriptsPerRun: Int, files: GeneratedFiles) throws {
    store = try HistoryStore.openForRecording(at: path, now: Self.start).store
    try store.markScrubbed()
    self.scriptsPerRun = scriptsPerRun
    self.files = files
  }

  /// Appends `runs` runs after those already there, pruning to `keepRuns`
  /// every `pruneEvery` runs when given.
  func append(runs: Int, keepRuns: Int?, pruneEvery: Int) throws {
    let first = Int(try store.queries.runs(limit: 1).first?.id ?? 0)
    var batchStart = first
    while batchStart < first + runs {
      let batchEnd = min(first + runs, batchStart + min(200, pruneEvery))
      try store.bulkLoad {
        for run in batchStart..<batchEnd { try generateRun(run) }
      }
      batchStart = batchEnd
      // Sealed as refreshes seal them (a batch at a time: the same chain).
      try store.sealEndedRuns(now: Self.start + Int64(batchEnd) * 60_000_000)
      if let keepRuns, (batchEnd - first) % pruneEvery == 0 || batchEnd == first + runs {
        try store.retention.prune(keepRuns: keepRuns, olderThan: nil)
        store.checkpoint()
      }
    }
    store.checkpoint()
  }

  private func generateRun(_ run: Int) throws {
    let startedAt = Self.start + Int64(run) * 600_000_000
    let metadata = Array(#"{"deploy": {"generation": \#(run / 10)}, "password": "s3cret"}"#.utf8)
    let id = try store.writer.beginRun(
      RunStart(
        startedAt: startedAt, baseDirectory: "/usr/libexec/os-refresh-config", hostname: "node-1",
        pid: Int64(1000 + run), bootID: "generated", processStart: 1, version: "generated",
        commandLine: ["os-refresh-config"], plannedScripts: scriptsPerRun,
        inputs: [
          InputRecord(
            kind: .config, path: "/var/lib/os-collect-config/heat_local.json",
            sha256: ContentDigest.sha256Hex(metadata), content: metadata)
        ]))
    var clock = startedAt
    var failed = false
    for phase in Phase.ordered {
      guard !failed else {
        try store.writer.recordPhase(
          runID: id, phase: phase, status: .skipped, startedAt: nil, finishedAt: nil, durationMicroseconds: nil)
        continue
      }
      let phaseStart = clock
      failed = try generatePhase(phase, run: run, id: id, clock: &clock)
      try store.writer.recordPhase(
        runID: id, phase: phase, status: failed ? .failed : .success, startedAt: phaseStart, finishedAt: clock,
        durationMicroseconds: clock - phaseStart)
    }
    var rows: [Int64: Int64] = [:]
    try store.writer.apply(files.records(run: run, id: id, at: clock), rows: &rows)
    try store.writer.finishRun(
      id: id, finishedAt: clock, durationMicroseconds: clock - startedAt, status: failed ? .failed : .success,
      exitCode: failed ? 1 : 0)
  }

  /// Writes one phase's scripts; returns whether one failed (one run in twenty).
  private func generatePhase(_ phase: Phase, run: Int, id: Int64, clock: inout Int64) throws -> Bool {
    for position in 0..<(scriptsPerRun / Phase.ordered.count) {
      let name = "\(10 + position * 5)-\(phase.rawValue)-step"
      let revision = (run / 100 + position) % 7
      let content = Array("#!/bin/sh\n# \(name) revision \(revision)\n".utf8)
      let duration = Int64.random(in: 1_000...2_000_000, using: &random)
      let script = try store.writer.beginScript(
        ScriptStart(
          runID: id, phase: phase, name: name, path: "/usr/libexec/os-refresh-config/\(phase.directoryName)/\(name)",
          position: position, sha256: ContentDigest.sha256Hex(content), content: content, startedAt: clock))
      clock += duration
      let fails = run % 20 == 19 && phase == .configure && position == 3
      let output = outputs[Int.random(in: 0..<outputs.count, using: &random)]
      try store.writer.finishScript(
        id: script,
        ScriptEnd(
          finishedAt: clock, durationMicroseconds: duration, exitCode: fails ? 1 : 0, signal: nil,
          status: fails ? .failed : .success, error: nil,
          stdout: CapturedStream(head: output, totalBytes: Int64(output.count)), stderr: CapturedStream()))
      if fails { return true }
    }
    return false
  }
}
