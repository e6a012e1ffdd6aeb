import FileWatch
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SecretHiding
import SystemInterface

/// Records a run in the history as it happens: a ``RunObserver`` that turns
/// the runner's events into store calls.
///
/// Recording never endangers the refresh: the first store error stops the
/// recording, is reported once through `warn`, and the run goes on exactly as
/// without a history.
public final class HistoryRecorder: RunObserver {
  var store: HistoryStore?
  let settings: Settings
  let warn: (String) -> Void
  let clock = RunClock()
  /// The run's id once its start is recorded.
  var runID: Int64?
  /// Where the run's records go; nil when the pending log cannot be had.
  var journal: RunJournal?
  private var phaseStarts: [Phase: SpanStart] = [:]
  /// The sequence number of the running script's start record.
  private var currentStart: Int64?
  /// The end of the last script, when it succeeded: written with the next
  /// script's start, in one append (or at the next phase or run event).
  private var heldEnd: (start: Int64, end: ScriptEnd)?
  /// The metadata and environment.d files, and the secrets they hold.
  var inputs: RunInputs
  /// Scripts' digests, remembered or read.
  private var digests: ScriptDigests
  /// What scripts and environment.d write, kept for the record.
  private var captures: OutputCaptures
  /// What heat-config writes of the deployments scripts run.
  private var deployments: HeatDeployments?
  /// The watched files.
  var files: FileChangeWatch?
  /// The run's own templates root, while templates wait for the one environment.d tells scripts.
  private var deferredTemplates: String?
  /// The bytes the database's pages held when the run started.
  var usedAtStart: Int64?
  /// What went wrong and was said once.
  private var trouble = Trouble()
  /// This run's id once its end is recorded: what the trace and the
  /// metrics written after it are read from.
  public private(set) var recordedRunID: Int64?
  /// The key secrets are digested under (nil: none could be had).
  public var secretKey: [UInt8]? { settings.secretKey }
  /// The history's refresh lock, held as long as the recorder lives.
  public var historyLock: RunLock?
  /// Whether secrets are stored in clear (`--store-secrets`).
  public var storesSecrets: Bool { settings.storeSecrets }

  /// What went wrong while recording, each said once.
  private struct Trouble {
    /// A mandatory record could not be written: the run must stop.
    var mustStop = false
    /// A write failed: recording goes on trying (a full disk may get room
    /// again), and the WARNING is given once.
    var interrupted = false
    /// The run's output budget was spent and said.
    var budgetSaid = false
    /// A sync to disk failed and was said.
    var syncFailed = false
  }

  /// Records into `store` through its journal; `warn` receives the one
  /// message when recording stops.
  public init(store: HistoryStore, settings: Settings, warn: @escaping (String) -> Void) {
    self.store = store
    self.settings = settings
    self.warn = warn
    inputs = RunInputs(storeSecrets: settings.storeSecrets, secretKey: settings.secretKey)
    digests = ScriptDigests(remembered: [:], clock: clock)
    captures = OutputCaptures(limit: settings.maxOutput, redactor: settings.redactor)
    // Half the budget: room for the runs retention keeps beside this one.
    if settings.maxDatabaseBytes > 0 { captures.runBudget = settings.maxDatabaseBytes / 2 }
  }

  /// Runs one write. A failure costs one WARNING and never the refresh: later
  /// events try again, so recording resumes when it can (a full disk that
  /// got room); with `--require-history` the run stops instead.
  @discardableResult
  func record(_ body: (HistoryStore) throws -> Void) -> Bool {
    guard let store else { return false }
    do {
      try body(store)
      return true
    } catch {
      if let sqlite = error as? SQLiteError, sqlite.isCorruption { store.markForCheck() }
      failed(String(describing: error))
      return false
    }
  }

  /// A record could not be written: one WARNING, or with `--require-history`
  /// the run stops.
  private func failed(_ error: String) {
    guard let store else { return }
    if settings.required {
      self.store = nil
      trouble.mustStop = true
      warn("history: recording failed (\(error)); recording is required, so the run stops here")
    } else if !trouble.interrupted {
      warn(
        "history: recording stopped (\(error)); the refresh goes on without it and recording resumes when it can")
      // Later tries must cost the refresh nothing: no more waiting for a
      // lock another process holds.
      store.stopWaitingForLocks()
    }
    trouble.interrupted = true
  }

  /// Appends script records to the journal. Returns false when they could
  /// not be written (kept for the next append; the failure is reported).
  @discardableResult
  func append(_ records: [LogRecord]) -> Bool {
    guard let journal else { return false }
    guard journal.append(records) else {
      failed("cannot write \(journal.pendingPath)")
      return false
    }
    reportWriterFailure()
    return true
  }

  /// Says once that the database stopped taking records. They are safe in
  /// the pending log, so the run goes on even when recording is required,
  /// and the next run (or reader) adds them.
  private func reportWriterFailure() {
    guard let journal, let failure = journal.writerFailure, !trouble.interrupted else { return }
    trouble.interrupted = true
    warn(
      "history: recording stopped (\(failure)); the records are kept in \(journal.pendingPath): the next run adds them, "
        + "or, if it finds the database damaged, keeps them beside it")
  }

  /// A sync to disk failed: the records stay (never reported durable), and
  /// the WARNING is given once.
  private func notDurable(_ failure: SystemError) {
    guard !trouble.syncFailed else { return }
    trouble.syncFailed = true
    warn("history: cannot sync the records to disk (\(failure)); this run's records may not survive a power loss")
  }

  /// False once a mandatory record could not be written.
  public func mayContinue() -> Bool { !trouble.mustStop && (!settings.required || store != nil) }

  // MARK: - Events

  public func runWillStart(_ run: RunDescription) {
    // With environment.d, the templates root scripts see is known once it is sourced.
    let sourcesEnvironment = !EnvironmentFiles.list(joinPath(run.baseDirectory, "environment.d")).paths.isEmpty
    let inputRecords = inputs.records(
      environment: run.environment.dictionary, baseDirectory: run.baseDirectory, templates: !sourcesEnvironment)
    if sourcesEnvironment { deferredTemplates = TemplateInputs.root(environment: run.environment.dictionary) }
    captures.knownSecrets = inputs.knownSecrets
    captures.termination = run.termination
    let identity = ProcessIdentity.current()
    var start = RunStart(
      startedAt: run.startedAt, baseDirectory: run.baseDirectory, hostname: hostName(), pid: identity.pid,
      bootID: identity.bootID, processStart: identity.startTicks, pidNamespace: identity.pidNamespace,
      version: settings.version,
      commandLine: CommandLineMask.masked(run.arguments), plannedScripts: settings.plannedScripts,
      inputs: inputRecords)
    start.trace = run.trace
    start.kernel = KernelRelease.current()
    record { runID = try $0.writer.beginRun(start) }
    if let runID, let store {
      journal = store.journal(for: runID)
      if journal == nil {
        // Stopped before its first phase when recording is required: the
        // run is recorded as failed with exit 1, as it ends, not left to be
        // taken for a dead process's.
        if settings.required {
          try? store.writer.finishRun(
            id: runID, finishedAt: clock.wallMicroseconds(), durationMicroseconds: 0, status: .failed, exitCode: 1)
        }
        failed("cannot open \(store.files.pendingLog) (another process holds it?)")
      }
    }
    usedAtStart = (try? store?.retention.usedBytes()) ?? nil
    digests = ScriptDigests(remembered: (try? store?.queries.fileDigests()) ?? [:], clock: clock)
    digests.deadline = run.deadline
    digests.termination = run.termination
    digests.knownSecrets = inputs.knownSecrets
    if journal != nil { deployments = HeatDeployments(environment: run.environment.dictionary) }
    startWatchingFiles()
  }

  public func environmentDidLoad(_ environment: ProcessEnvironment, for phase: Phase) {
    deployments?.use(environment.dictionary)
    recordTemplates(root: TemplateInputs.root(environment: environment.dictionary))
  }

  /// The templates, once, under the root scripts see (or, when environment.d
  /// failed before telling it, the run's own).
  private func recordTemplates(root: String) {
    guard deferredTemplates != nil, let journal, let runID else { return }
    deferredTemplates = nil
    let records = TemplateInputs.records(root: root)
    _ = append(records.map { .input(sequence: journal.nextSequence(), runID: runID, $0) })
  }

  public func phaseWillStart(_ phase: Phase, directory: String, span: SpanStart) {
    phaseStarts[phase] = span
    var record = PhaseRecord(
      phase: phase, status: .running, startedAt: span.startedAt, finishedAt: nil, durationMicroseconds: nil)
    record.spanID = span.id
    appendEvent { .phase(sequence: $0, runID: $1, record) }
  }

  /// Appends an event's record (a script's start, a phase, the run's end…)
  /// after the held end of the last script, in one write.
  @discardableResult
  private func appendEvent(_ make: (_ sequence: Int64, _ runID: Int64) -> LogRecord) -> Bool {
    guard let journal, let runID else { return false }
    var records: [LogRecord] = []
    if let held = heldEnd {
      records.append(.scriptEnd(sequence: journal.nextSequence(), start: held.start, runID: runID, held.end))
      heldEnd = nil
    }
    records.append(make(journal.nextSequence(), runID))
    return append(records)
  }

  public func environmentWillLoad(_ files: [String], for phase: Phase) {
    settleFileStart()
    captures.startEnvironment()
  }

  public func environment(for phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    guard store != nil else { return }
    captures.environment(wrote: bytes, to: stream)
  }

  public func environmentDidFail(
    for phase: Phase, file: String?, termination: Termination?, error: SystemError?, channels: OutputChannels
  ) {
    if let root = deferredTemplates { recordTemplates(root: root) }
    let captured = captures.endEnvironment(combined: channels.combined)
    let output = error.map { Array("cannot start the shell: \($0.reason)".utf8) } ?? captured
    let (exitCode, signal) = Self.split(termination)
    let failure = EnvironmentFailureRecord(
      file: file, exitCode: exitCode, signal: signal, output: output, combinedOutput: channels.combined)
    appendEvent { .environmentFailure(sequence: $0, runID: $1, phase, failure) }
  }

  /// An exit status or a signal, as recorded.
  private static func split(_ termination: Termination?) -> (exitCode: Int64?, signal: Int64?) {
    termination?.recorded ?? (nil, nil)
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    filesBeforeScript()
    captures.startScript()
    currentStart = nil
    guard let runID, store != nil, journal != nil else { return }
    var start = scriptStart(script, in: phase, runID: runID, startedAt: span.startedAt)
    start.spanID = span.id
    var sequence: Int64 = 0
    let written = appendEvent { next, _ in
      sequence = next
      return .scriptStart(sequence: next, start)
    }
    if written { currentStart = sequence }
  }

  /// A script's start record, with its digest.
  private func scriptStart(_ script: Script, in phase: Phase, runID: Int64, startedAt: Int64) -> ScriptStart {
    var start = ScriptStart(
      runID: runID, phase: phase, name: script.name, path: script.path, position: script.position, sha256: nil,
      content: nil, startedAt: startedAt)
    digests.fill(&start, path: script.path)
    return start
  }

  public func scriptDidStart(_ script: Script, in phase: Phase, pid: Int32) {
    files?.scriptStarted(script.name, in: phase, pid: pid)
  }

  public func script(_ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    guard store != nil else { return }
    captures.script(wrote: bytes, to: stream)
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    guard let start = currentStart, let runID, let journal else { return }
    let (exitCode, signal) = Self.split(outcome.termination)
    let output = captures.scriptOutput()
    if output.overBudget && !trouble.budgetSaid {
      trouble.budgetSaid = true
      warn(
        "history: this run's kept output reached half the history's byte budget (--max-db-size); the output of "
          + "\(script.name) and the scripts after it is counted, not kept")
    }
    let end = ScriptEnd(
      finishedAt: clock.wallMicroseconds(), durationMicroseconds: outcome.durationNanoseconds / 1000,
      exitCode: exitCode, signal: signal, status: outcome.status,
      error: outcome.spawnError.map { "cannot execute: \($0.reason)" }, stdout: output.stdout,
      stderr: output.stderr, combinedOutput: outcome.channels.combined,
      terminal: outcome.channels.anyTerminal)
    currentStart = nil
    recordDeployments(ranBy: script, in: phase, runID: runID, journal: journal)
    filesAfter(script, in: phase, durationNanoseconds: outcome.durationNanoseconds)
    // A success is written with the next script's start; anything else
    // ends the phase, and is written and synced at once.
    guard outcome.status != .success else {
      heldEnd = (start, end)
      return
    }
    if append([.scriptEnd(sequence: journal.nextSequence(), start: start, runID: runID, end)]),
      let failure = journal.sync()
    {
      notDurable(failure)
    }
  }

  /// The deployments heat-config signalled while `script` ran.
  private func recordDeployments(ranBy script: Script, in phase: Phase, runID: Int64, journal: RunJournal) {
    guard let written = deployments?.written(), !written.isEmpty else { return }
    let records = written.compactMap { signal in
      HeatDeployments.record(
        signal: signal.path, signalledAt: signal.modified, phase: phase, script: script.name, masked: captures.masked)
    }
    _ = append(records.map { .deployment(sequence: journal.nextSequence(), runID: runID, $0) })
  }

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    fileBoundary(final: false)
    let started = phaseStarts[phase]
    var record = PhaseRecord(
      phase: phase, status: status, startedAt: started?.startedAt,
      finishedAt: started == nil ? nil : clock.wallMicroseconds(),
      durationMicroseconds: started == nil ? nil : durationNanoseconds / 1000)
    record.spanID = started?.id
    appendEvent { .phase(sequence: $0, runID: $1, record) }
  }

  public func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64) {
    guard let runID else { return }
    let duration = durationNanoseconds / 1000
    fileBoundary(final: true)
    let end = RunEnd(
      finishedAt: clock.wallMicroseconds(), durationMicroseconds: duration, status: status,
      exitCode: Int64(exitStatus.code))
    // The run's end goes to the pending log too, with the held script end,
    // so it is kept even when the database cannot take it now.
    let logged = appendEvent { .runEnd(sequence: $0, runID: $1, end) }
    let applied = journal?.drain() ?? false
    if journal?.writerFailure != nil {
      // The database did not take records during the run: the run's end
      // does not wait for it either (it is in the pending log).
      store?.stopWaitingForLocks()
    }
    reportWriterFailure()
    // A run whose end the pending log holds, and that will be sealed, is made durable by the
    // seal's commit (one sync; the log sync thread held); the pending log is emptied after it.
    let sealedNext = logged && !trouble.interrupted && store?.isSealed == true
    journal?.endComing(sealed: sealedNext)
    let finish = { (durable: Bool) in
      { (store: HistoryStore) throws in
        try store.writer.finishRun(
          id: runID, finishedAt: end.finishedAt, durationMicroseconds: end.durationMicroseconds, status: status,
          exitCode: end.exitCode, durable: durable)
      }
    }
    var finished = false
    if logged, let store {
      // Kept in the pending log already: a database that cannot take it now
      // costs a WARNING, never a required recording.
      do {
        try finish(!sealedNext)(store)
        finished = true
      } catch {
        if !trouble.interrupted {
          warn("history: the run's end waits in \(store.files.pendingLog) (\(error))")
        }
        trouble.interrupted = true
      }
    } else {
      finished = record(finish(true))
    }
    var durable = !sealedNext
    if finished {
      recordedRunID = runID
      retain()
      // After retention, so the run's record seals the prune it made too.
      if !trouble.interrupted, sealEndedRuns(ending: runID) { durable = true }
      if !durable { durable = record(finish(true)) }
    }
    // The run's end was synced, and with it every record before it: the
    // pending log has nothing left to give.
    if let failure = journal?.end(runEndApplied: applied && finished && durable) { notDurable(failure) }
    journal = nil
    guard finished else { return }
    record { $0.checkpoint() }
  }
}
