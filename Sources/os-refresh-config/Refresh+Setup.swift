import ArgumentParser
import RefreshRunner
import RunHistory
import RunViews

/// What a refresh sets up before its first phase: redaction, the lock, the recorder.
extension RefreshOptions {
  /// Takes the run lock, or ends the command as the reference does: the
  /// lock's errno (11) when another refresh holds it.
  func acquireLock(console: ConsoleLog) throws -> RunLock {
    do {
      return try RunLock.acquire(path: lockfile)
    } catch {
      console.log(.error, error.description)
      throw ExitCode(error.exitStatus)
    }
  }

  /// The console, and the history recorder unless recording is off or impossible.
  func attachObservers(
    console: ConsoleLog, base: BaseDirectory, pattern: RunPartsPattern, redactor: OutputRedactor?
  ) throws -> [RunObserver] {
    guard !noHistory else { return [console] }
    var settings = HistoryRecorder.Settings(
      maxOutput: maxOutput, plannedScripts: DryRunReport.plannedScripts(baseDirectory: base.path, pattern: pattern),
      version: OSRefreshConfig.configuration.version, keepRuns: keepRuns, redactor: redactor)
    settings.required = requireHistory
    if let budget = try? ByteSize.databaseBudget(maxDbSize) { settings.maxDatabaseBytes = budget }
    let variable = ProcessEnvironment.current().dictionary["OS_REFRESH_CONFIG_STORE_SECRETS"] ?? ""
    settings.storeSecrets = storeSecrets || !["", "0", "false", "no"].contains(variable.lowercased())
    do {
      let recorder = try RecordingSession.recorder(
        path: database.path, required: requireHistory, settings: settings, warn: { console.log(.warning, $0) })
      return [console] + (recorder.map { [$0] } ?? [])
    } catch {
      console.log(.error, error.description)
      throw ExitCode(1)
    }
  }
}
