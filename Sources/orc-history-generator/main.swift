// Fills a history database with synthetic runs through RefreshStore's own
// recording API, for the benchmarks:
//   orc-history-generator [--files PER-RUN:PATHS] DB RUNS SCRIPTS [KEEP-RUNS PRUNE-EVERY]
// appends RUNS runs of SCRIPTS scripts; with KEEP-RUNS, prunes the history
// to that many runs every PRUNE-EVERY runs, as refreshes under retention do.
// With --files, each run also rewrites PER-RUN of PATHS watched files in
// turn (RUNS x PER-RUN recorded file versions).
// Runs look like a node's: four phases, a script edited now and then, one
// run in twenty failing, metadata that changes every tenth run. The history
// is marked as needing no secret scrub (migration 0004), as one recorded by
// today's code does not: with RUNS 0, that is all it does to a history made
// by an earlier generator, so a refresh on it is not the upgrade's rewrite.
import RefreshStore
import SystemInterface

var arguments = CommandLine.arguments
var files = GeneratedFiles(perRun: 0, paths: 1)
if arguments.count > 2, arguments[1] == "--files" {
  let counts = arguments[2].split(separator: ":").compactMap { Int($0) }
  guard counts.count == 2, (0...100_000).contains(counts[0]), (1...1_000_000).contains(counts[1]) else {
    writeFully(STDERR_FILENO, "orc-history-generator: --files PER-RUN(0-100000):PATHS(1-1000000)\n")
    exit(2)
  }
  files = GeneratedFiles(perRun: counts[0], paths: counts[1])
  arguments.removeSubrange(1...2)
}
guard arguments.count == 4 || arguments.count == 6, let runs = Int(arguments[2]),
  let scriptsPerRun = Int(arguments[3]), (0...1_000_000).contains(runs), (4...100_000).contains(scriptsPerRun)
else {
  writeFully(
    STDERR_FILENO,
    "usage: orc-history-generator [--files PER-RUN:PATHS] DB RUNS(0-1000000) SCRIPTS-PER-RUN(4-100000) [KEEP-RUNS PRUNE-EVERY]\n"
  )
  exit(2)
}
let keepRuns = arguments.count == 6 ? Int(arguments[4]) : nil
let pruneEvery = arguments.count == 6 ? max(1, Int(arguments[5]) ?? 100) : Int.max

do {
  let generator = try HistoryGenerator(path: arguments[1], scriptsPerRun: scriptsPerRun, files: files)
  try generator.append(runs: runs, keepRuns: keepRuns, pruneEvery: pruneEvery)
} catch {
  writeFully(STDERR_FILENO, "orc-history-generator: \(error)\n")
  exit(1)
}
