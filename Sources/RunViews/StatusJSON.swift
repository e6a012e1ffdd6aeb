import ContentEncoding
import RefreshStore
import RefreshVocabulary
import RunWatch
import SystemInterface

/// `status --json`: the contract documented in docs/status.md.
public enum StatusJSON {
  public static func render(_ status: RefreshStatus) -> JSONText {
    .object([
      // The key is the word, and says whether a refresh is running.
      (RunStatus.running.rawValue, .bool(status.running)),
      ("run", RunJSON.integer(status.runID)),
      ("pid", RunJSON.integer(status.pid)),
      ("command", status.pid == nil ? .null : .string(status.command)),
      ("started_at", RunJSON.time(status.runStartedAt)),
      ("elapsed_s", RunJSON.seconds(status.runStartedAt.map { max(0, status.now - $0) })),
      ("phase", RunJSON.string(status.phase?.rawValue)),
      ("script", status.script.map(script) ?? .null),
      ("scripts_done", .integer(Int64(status.scriptsDone))),
      ("scripts_planned", RunJSON.integer(status.scriptsPlanned.map(Int64.init))),
      ("files_changed", RunJSON.integer(status.files.map { $0.changedByRefresh + $0.changedOutside })),
      (
        "last_files",
        .array(
          (status.files?.latest ?? []).map { change in
            .object([
              ("path", .string(change.path)), ("change", .string(change.change.rawValue)),
              ("phase", RunJSON.string(change.phase?.rawValue)), ("script", RunJSON.string(change.script)),
              ("by_refresh", .bool(change.byRefresh)),
            ])
          })
      ),
      ("eta_s", RunJSON.seconds(status.estimate?.microseconds)),
      ("eta_unknown_scripts", RunJSON.integer(status.estimate.map { Int64($0.unknownScripts) })),
      ("waits_on", status.waitsOn.map(waitTarget) ?? .null),
      ("processes", .array(status.processes.map(process))),
      ("last_run", status.lastRun.map(lastRun) ?? .null),
      ("history_error", RunJSON.string(status.historyError)),
      (
        "lock_holder",
        status.foreignLockHolder.map { .object([("pid", .integer($0.pid)), ("command", .string($0.command))]) }
          ?? .null
      ),
    ])
  }

  static func script(_ script: RefreshStatus.RunningScript) -> JSONText {
    .object([
      ("phase", .string(script.phase.rawValue)),
      ("name", .string(script.name)),
      ("started_at", RunJSON.time(script.startedAt)),
      ("elapsed_s", RunJSON.seconds(script.elapsedMicroseconds)),
      ("typical_s", RunJSON.seconds(script.typical?.medianMicroseconds)),
      ("p95_s", RunJSON.seconds(script.typical?.p95Microseconds)),
      ("typical_runs", .integer(Int64(script.typical?.samples ?? 0))),
      ("longer_than_usual", .bool(script.longerThanUsual)),
    ])
  }

  static func process(_ process: ProcessView) -> JSONText {
    .object([
      ("pid", .integer(process.pid)),
      ("ppid", .integer(process.parent)),
      ("state", .string(process.state)),
      ("command", .string(process.command)),
      ("wchan", RunJSON.string(process.wchan)),
      ("elapsed_s", RunJSON.seconds(process.elapsedMicroseconds)),
      ("waits_on", process.waitsOn.map(waitTarget) ?? .null),
    ])
  }

  static func waitTarget(_ target: WaitTarget) -> JSONText {
    switch target {
    case .lock(let path, let kind, let holder):
      .object([
        ("kind", .string("lock")), ("path", RunJSON.string(path)), ("lock", .string(kind)),
        ("holder_pid", RunJSON.integer(holder)),
      ])
    case .network(let connections):
      .object([
        ("kind", .string("network")),
        (
          "connections",
          .array(
            connections.map {
              .object([("local", .string($0.local)), ("remote", .string($0.remote)), ("state", .string($0.state))])
            })
        ),
      ])
    }
  }

  static func lastRun(_ run: RunSummary) -> JSONText {
    .object([
      ("id", .integer(run.id)),
      ("status", .string(run.status.rawValue)),
      ("exit_code", RunJSON.integer(run.exitCode)),
      ("started_at", RunJSON.time(run.startedAt)),
      ("finished_at", RunJSON.time(run.finishedAt)),
      ("failed_phase", RunJSON.string(run.failedScriptPhase?.rawValue ?? run.failedPhase?.rawValue)),
      ("failed_script", RunJSON.string(run.failedScript)),
    ])
  }
}
