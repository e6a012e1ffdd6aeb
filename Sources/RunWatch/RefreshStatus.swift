import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// What a refresh is doing now, or how the last one ended: `status`.
///
/// Read from three places, none of them written: the lock (/proc/locks
/// names its holder, so the lock is never taken to test it), the history (a
/// running refresh's records reach it as each script starts) and /proc (the
/// running script's processes).
public struct RefreshStatus: Sendable {
  /// The script running now.
  public struct RunningScript: Sendable, Equatable {
    public var phase: Phase
    public var name: String
    public var path: String
    public var startedAt: Int64
    public var elapsedMicroseconds: Int64
    /// What it took in its recent successful runs; nil when it never succeeded.
    public var typical: TypicalDuration?
    /// Past 3× its p95 and past the floor (`--slow-after`).
    public var longerThanUsual: Bool
  }

  /// Time left, from the typical durations of the scripts still to run.
  public struct Estimate: Sendable, Equatable {
    public var microseconds: Int64
    /// Scripts still to run that never succeeded before: not counted.
    public var unknownScripts: Int
  }

  /// Whether a refresh runs now (holds the lock, or is recorded running by a living process).
  public var running: Bool
  /// Its run in the history; nil without one (`--no-history`, another database).
  public var runID: Int64?
  /// Its process.
  public var pid: Int64?
  /// That process's command line (masked, escaped); "" when unknown.
  public var command = ""
  public var runStartedAt: Int64?
  /// The phase it is in.
  public var phase: Phase?
  public var script: RunningScript?
  /// Scripts of this run that ended.
  public var scriptsDone: Int
  /// What the running refresh has done to the watched files so far.
  public var files: FileWatchSummary?
  /// Scripts its phase directories held when it started.
  public var scriptsPlanned: Int?
  public var estimate: Estimate?
  /// The running script's processes, the script first.
  public var processes: [ProcessView]
  /// What the run waits on: the first of its processes that waits on a
  /// lock or the network.
  public var waitsOn: WaitTarget? { processes.lazy.compactMap(\.waitsOn).first }
  /// The newest run that ended (during a run: the one before it).
  public var lastRun: RunSummary?
  /// Why the history could not be read (one line), if it could not: then
  /// only the lock and /proc tell what runs, and no last run is known.
  public var historyError: String?
  /// The lock file's holder when it is not a refresh (`flock FILE sleep`,
  /// a script's own lock): pid and command line as shown.
  public var foreignLockHolder: (pid: Int64, command: String)?
  /// When this status was taken, UTC microseconds.
  public var now: Int64

  /// `systemctl status`'s way: 0 running or the last run succeeded, 1 the
  /// last run did not succeed (or a Heat deployment it ran failed), 3 no
  /// run recorded, 4 the history cannot be read (so neither is known).
  public var exitStatus: ExitStatus {
    if historyError != nil { return .historyUnreadable }
    if running { return .success }
    guard let lastRun else { return .neverRan }
    return lastRun.succeededWholly ? .success : .failure
  }

  /// The floor below which no script is said to take longer than usual, by
  /// default: a few seconds, so a script that usually takes 0.02 s and
  /// hangs is flagged seconds in, not a minute in.
  public static let defaultSlowAfterSeconds = 2

  /// The status now. `queries` is nil when there is no history; `lockfile`
  /// is the refresh's lock; `pattern` lists the scripts still to run;
  /// a script is longer than usual past 3× its p95 and `slowAfterSeconds`.
  /// A history that cannot be read (`historyError`, or an error reading
  /// it) leaves what the lock and /proc tell, with the reason.
  public static func inspect(
    queries: HistoryQueries?, historyError: String? = nil, lockfile: String, pattern: RunPartsPattern,
    slowAfterSeconds: Int, clock: RunClock = RunClock(), isRefresh: (Int64) -> Bool = ScriptProcesses.isRefresh
  ) -> RefreshStatus {
    let lock = LockState(lockfile: lockfile, isRefresh: isRefresh)
    do {
      var status = try inspectHistory(
        queries: queries, lock: lock, pattern: pattern, slowAfterSeconds: slowAfterSeconds, clock: clock)
      status.historyError = historyError.map(oneLine)
      return status
    } catch {
      // Without queries nothing is read that could throw.
      var status =
        (try? inspectHistory(
          queries: nil, lock: lock, pattern: pattern, slowAfterSeconds: slowAfterSeconds, clock: clock))
        ?? RefreshStatus(running: false, scriptsDone: 0, processes: [], now: clock.wallMicroseconds())
      status.historyError = oneLine(String(describing: error))
      return status
    }
  }

  /// An error as one short line: an SQL statement it quotes is left out.
  static func oneLine(_ text: String) -> String {
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    let kept = line.firstRange(of: " [").map { line[..<$0.lowerBound] } ?? line[...]
    return String(kept.prefix(300))
  }

  /// Who holds the lock file: a refresh, or something else.
  struct LockState {
    var refresh: Int64?
    var foreign: (pid: Int64, command: String)?

    init(lockfile: String, isRefresh: (Int64) -> Bool) {
      guard let holder = FileLocks.current().holder(of: lockfile) else { return }
      if isRefresh(holder) { refresh = holder } else { foreign = (holder, ScriptProcesses.command(of: holder)) }
    }
  }

  private static func inspectHistory(
    queries: HistoryQueries?, lock: LockState, pattern: RunPartsPattern, slowAfterSeconds: Int, clock: RunClock
  ) throws -> RefreshStatus {
    let now = clock.wallMicroseconds()
    var lockHolder = lock.refresh
    let foreign = lock.foreign
    let record = try queries?.runningRun()
    // A refresh that recorded its end still holds the lock until it exits:
    // its run is over, and the history says how it ended.
    if record == nil, let holder = lockHolder,
      try queries?.hasEndedItsRun(pid: holder, isAlive: ProcessIdentity.isAlive) == true
    {
      lockHolder = nil
    }
    var status = RefreshStatus(
      running: lockHolder != nil || record != nil, runID: record?.runID, pid: record?.pid ?? lockHolder,
      scriptsDone: 0, processes: [], lastRun: try queries?.latestFinishedRun(), now: now)
    status.foreignLockHolder = foreign
    guard status.running else { return status }
    var scriptPath: String?
    if let queries, let record {
      let detail = try queries.run(record.runID)
      status.runStartedAt = detail.summary.startedAt
      status.scriptsPlanned = Int(detail.summary.plannedScripts)
      let scripts = detail.phases.flatMap(\.scripts)
      status.scriptsDone = scripts.filter { $0.status != .running }.count
      status.files = detail.files
      status.phase = detail.phases.last { $0.status == .running }?.name
      if let current = scripts.last(where: { $0.status == .running }) {
        scriptPath = current.path
        status.phase = current.phase
        let elapsed = max(0, now - current.startedAt)
        let typical = try queries.typicalDuration(phase: current.phase, name: current.name, before: record.runID)
        let (p95Times3, overflow) = (typical?.p95Microseconds ?? 0).multipliedReportingOverflow(by: 3)
        status.script = RunningScript(
          phase: current.phase, name: current.name, path: current.path, startedAt: current.startedAt,
          elapsedMicroseconds: elapsed, typical: typical,
          longerThanUsual: typical != nil && !overflow && elapsed > p95Times3
            && elapsed > Int64(slowAfterSeconds) * 1_000_000)
      }
      status.estimate = try estimate(
        queries: queries, run: record.runID, baseDirectory: detail.summary.baseDirectory, current: status.script,
        phase: status.phase, started: Set(scripts.map { $0.phase.rawValue + "/" + $0.name }), pattern: pattern)
    }
    if let pid = status.pid {
      status.command = ScriptProcesses.command(of: pid)
      status.processes = ScriptProcesses.tree(refreshPid: pid, scriptPath: scriptPath)
    }
    return status
  }

  /// The time left: what the running script usually has still to go, and
  /// the typical durations of the scripts after it in its phase directory
  /// and in the later phases' (listed now, as the run will list them), but
  /// for those this run already `started` (`phase/name`).
  static func estimate(
    queries: HistoryQueries, run: Int64, baseDirectory: String, current: RunningScript?, phase: Phase?,
    started: Set<String>, pattern: RunPartsPattern
  ) throws -> Estimate? {
    guard let phase, let index = Phase.ordered.firstIndex(of: phase) else { return nil }
    var total: Int64 = 0
    var unknown = 0
    if let current {
      if let typical = current.typical {
        total += remaining(of: current.elapsedMicroseconds, typically: typical.medianMicroseconds)
      } else {
        unknown += 1
      }
    }
    for later in Phase.ordered[index...] {
      guard
        case .listed(let scripts, _) = PhaseDirectory.inspect(
          joinPath(baseDirectory, later.directoryName), pattern: pattern)
      else { continue }
      for script in scripts where !started.contains(later.rawValue + "/" + script.name) {
        if let typical = try queries.typicalDuration(phase: later, name: script.name, before: run) {
          total = total.addingReportingOverflow(typical.medianMicroseconds).partialValue
        } else {
          unknown += 1
        }
      }
    }
    return Estimate(microseconds: total, unknownScripts: unknown)
  }

  /// What a script `elapsed` in, usually done in `median`, has still to go:
  /// the rest of its usual time; once past it, as long again as it has
  /// overrun, so the time left grows while a script overruns.
  public static func remaining(of elapsed: Int64, typically median: Int64) -> Int64 {
    elapsed <= median ? median - elapsed : elapsed - median
  }
}
