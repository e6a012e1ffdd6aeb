// Fills a history database with synthetic runs through RefreshStore's own
// recording API, for the benchmarks:
//   orc-history-generator DB RUNS SCRIPTS [KEEP-RUNS PRUNE-EVERY]
// appends RUNS runs of SCRIPTS scripts; with KEEP-RUNS, prunes the history
// to that many runs every PRUNE-EVERY runs, as refreshes under retention do.
// Runs look like a node's: four phases, a script edited now and then, one
// run in twenty failing, metadata that changes every tenth run.
import RefreshStore

#if canImport(Glibc)
  import Glibc
#endif

func complain(_ message: String) {
  let line = Array((message + "\n").utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 6, let runs = Int(arguments[2]),
  let scriptsPerRun = Int(arguments[3]), runs > 0, scriptsPerRun >= 4
else {
  complain("usage: orc-history-generator DB RUNS SCRIPTS-PER-RUN [KEEP-RUNS PRUNE-EVERY]")
  exit(2)
}
let keepRuns = arguments.count == 6 ? Int(arguments[4]) : nil
let pruneEvery = arguments.count == 6 ? max(1, Int(arguments[5]) ?? 100) : Int.max
let path = arguments[1]

var generator = SystemRandomNumberGenerator()
let phases = ["pre-configure", "configure", "post-configure", "migration"]
let outputs = (0..<50).map { index in Array("line \(index) of typical output\n".utf8) }
let start: Int64 = 1_700_000_000_000_000

do {
  let store = try HistoryStore.openForRecording(at: path, now: start).store
  // Go on after the runs already there.
  let first = Int(try store.runs(limit: 1).first?.id ?? 0)
  var batchStart = first
  while batchStart < first + runs {
    let batchEnd = min(first + runs, batchStart + min(200, pruneEvery))
    try store.bulkLoad {
      for run in batchStart..<batchEnd {
        let startedAt = start + Int64(run) * 600_000_000
        let failing = run % 20 == 19
        let metadata = Array(#"{"deploy": {"generation": \#(run / 10)}, "password": "s3cret"}"#.utf8)
        let id = try store.beginRun(
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
        for (phaseIndex, phase) in phases.enumerated() {
          guard !failed else {
            try store.recordPhase(
              runID: id, name: phase, position: phaseIndex, status: "skipped", startedAt: nil, finishedAt: nil,
              durationMicroseconds: nil)
            continue
          }
          let phaseStart = clock
          for position in 0..<(scriptsPerRun / phases.count) {
            let name = "\(10 + position * 5)-\(phase)-step"
            let revision = (run / 100 + position) % 7
            let content = Array("#!/bin/sh\n# \(name) revision \(revision)\n".utf8)
            let duration = Int64.random(in: 1_000...2_000_000, using: &generator)
            let script = try store.beginScript(
              ScriptStart(
                runID: id, phase: phase, name: name, path: "/usr/libexec/os-refresh-config/\(phase).d/\(name)",
                position: position, sha256: ContentDigest.sha256Hex(content), content: content, startedAt: clock))
            clock += duration
            let fails = failing && phase == "configure" && position == 3
            let output = outputs[Int.random(in: 0..<outputs.count, using: &generator)]
            try store.finishScript(
              id: script,
              ScriptEnd(
                finishedAt: clock, durationMicroseconds: duration, exitCode: fails ? 1 : 0, signal: nil,
                status: fails ? "failed" : "success", error: nil,
                stdout: CapturedStream(head: output, totalBytes: Int64(output.count)),
                stderr: CapturedStream()))
            if fails {
              failed = true
              break
            }
          }
          try store.recordPhase(
            runID: id, name: phase, position: phaseIndex, status: failed ? "failed" : "success",
            startedAt: phaseStart, finishedAt: clock, durationMicroseconds: clock - phaseStart)
        }
        try store.finishRun(
          id: id, finishedAt: clock, durationMicroseconds: clock - startedAt, status: failed ? "failed" : "success",
          exitCode: failed ? 1 : 0)
      }
    }
    batchStart = batchEnd
    if let keepRuns, (batchEnd - first) % pruneEvery == 0 || batchEnd == first + runs {
      try store.prune(keepRuns: keepRuns, olderThan: nil)
      store.checkpoint()
    }
  }
  store.checkpoint()
} catch {
  complain("orc-history-generator: \(error)")
  exit(1)
}
