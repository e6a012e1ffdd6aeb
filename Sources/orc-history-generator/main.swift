// Fills a history database with synthetic runs through RefreshStore's own
// recording API, for the benchmarks:
//   orc-history-generator DB RUNS SCRIPTS [KEEP-RUNS PRUNE-EVERY]
// appends RUNS runs of SCRIPTS scripts; with KEEP-RUNS, prunes the history
// to that many runs every PRUNE-EVERY runs, as refreshes under retention do.
// Runs look like a node's: four phases, a script edited now and then, one
// run in twenty failing, metadata that changes every tenth run. The history
// is marked as needing no secret scrub (migration 0004), as one recorded by
// today's code does not: with RUNS 0, that is all it does to a history made
// by an earlier generator, so a refresh on it is not the upgrade's rewrite.
import RefreshStore
import SystemInterface

let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 6, let runs = Int(arguments[2]),
  let scriptsPerRun = Int(arguments[3]), (0...1_000_000).contains(runs), (4...100_000).contains(scriptsPerRun)
else {
  writeFully(
    STDERR_FILENO, "usage: orc-history-generator DB RUNS(0-1000000) SCRIPTS-PER-RUN(4-100000) [KEEP-RUNS PRUNE-EVERY]\n"
  )
  exit(2)
}
let keepRuns = arguments.count == 6 ? Int(arguments[4]) : nil
let pruneEvery = arguments.count == 6 ? max(1, Int(arguments[5]) ?? 100) : Int.max

do {
  let generator = try HistoryGenerator(path: arguments[1], scriptsPerRun: scriptsPerRun)
  try generator.append(runs: runs, keepRuns: keepRuns, pruneEvery: pruneEvery)
} catch {
  writeFully(STDERR_FILENO, "orc-history-generator: \(error)\n")
  exit(1)
}
