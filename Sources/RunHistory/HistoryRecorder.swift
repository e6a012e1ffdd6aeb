import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunForensics
import SystemInterface

/// Records a run in the history as it happens: a ``RunObserver`` that turns
/// the runner's events into store calls.
///
/// Recording never endangers the refresh: the first store error stops the
/// recording, is reported once through `warn`, and the run goes on exactly as
/// without a history.
public final class HistoryRecorder: RunObserver {
  /// What the recorder needs to know besides the events.
  public struct Settings: Sendable {
    /// Bytes kept at each end of each output stream.
    public var maxOutput: Int
    /// Scripts found in the four phases when the run starts.
    public var plannedScripts: Int
    /// Our version, for the record.
    public var version: String
    /// Runs kept when the run ends (0 keeps all).
    public var keepRuns: Int
    /// Applied to captured output before it is stored.
    public var redactor: OutputRedactor?
    /// The database file's byte budget (0: none), kept at the end of each run.
    public var maxDatabaseBytes = Retention.defaultMaxBytes
    /// Keep secret values of the metadata in clear (`--store-secrets`).
    public var storeSecrets = false
    /// The database's key secrets are digested under; nil when it cannot be
    /// had (then secrets are stored as `<secret>`, without a digest).
    public var secretKey: [UInt8]?
    /// Whether the audit is mandatory (`--require-history`): when the start
    /// of the run or of a script cannot be recorded, the run stops.
    public var required = false

    /// Creates settings.
    public init(
      maxOutput: Int, plannedScripts: Int, version: String, keepRuns: Int = Retention.defaultKeepRuns,
      redactor: OutputRedactor? = nil
    ) {
      self.maxOutput = maxOutput
      self.plannedScripts = plannedScripts
      self.version = version
      self.keepRuns = keepRuns
      self.redactor = redactor
    }
  }

  /// Script contents larger than this are hashed but not kept.
  static let scriptContentLimit = 1 << 20
  /// Metadata files larger than this are hashed but not kept.
  static let inputContentLimit = 16 << 20

  private var store: HistoryStore?
  private let settings: Settings
  private let warn: (String) -> Void
  private let clock = RunClock()
  private var runID: Int64?
  private var phaseStarts: [Phase: SpanStart] = [:]
  /// The sequence number of the running script's start record.
  private var currentStart: Int64?
  /// Where script records go; nil when the pending log cannot be had.
  private var journal: ScriptJournal?
  private var pendingLog: PendingLog?
  private var stdout: OutputCapture
  private var stderr: OutputCapture
  /// What the shell sourcing environment.d writes, kept for the record of a failure.
  private var environmentOutput: (stdout: OutputCapture, stderr: OutputCapture)?
  /// Bytes kept at each end of an environment.d shell's output.
  static let environmentOutputLimit = 8 * 1024

  /// Records into `store`, script records through `pendingLog` (opened and
  /// locked here when not given); `warn` receives the one message when
  /// recording stops.
  public init(
    store: HistoryStore, settings: Settings, pendingLog: PendingLog? = nil, warn: @escaping (String) -> Void
  ) {
    self.store = store
    self.settings = settings
    self.warn = warn
    self.pendingLog = pendingLog ?? PendingLog.openForRun(databasePath: store.path)
    stdout = OutputCapture(limit: settings.maxOutput)
    stderr = OutputCapture(limit: settings.maxOutput)
  }

  /// The bytes the database's pages held when the run started.
  private var usedAtStart: Int64?

  /// The end of the last script, when it succeeded: written with the next
  /// script's start, in one append (or at the next phase or run event).
  private var heldEnd: (start: Int64, end: ScriptEnd)?

  /// The history's queries and this run's id, once the run's end is
  /// recorded: what the trace and the metrics written after it are read from.
  public private(set) var recorded: (queries: HistoryQueries, runID: Int64)?

  /// Set when a mandatory record could not be written: the run must stop.
  private var mustStop = false

  /// Set once a write failed: recording goes on trying (a full disk may get
  /// room again), and the WARNING is given once.
  private var interrupted = false

  /// Runs one write. A failure costs one WARNING and never the refresh: later
  /// events try again, so recording resumes when it can (a full disk that
  /// got room); with `--require-history` the run stops instead.
  @discardableResult
  private func record(_ body: (HistoryStore) throws -> Void) -> Bool {
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
      mustStop = true
      warn("history: recording failed (\(error)); recording is required, so the run stops here")
    } else if !interrupted {
      warn(
        "history: recording stopped (\(error)); the refresh goes on without it and recording resumes when it can")
      // Later tries must cost the refresh nothing: no more waiting for a
      // lock another process holds.
      store.stopWaitingForLocks()
    }
    interrupted = true
  }

  /// Appends script records to the journal. Returns false when they could
  /// not be written (kept for the next append; the failure is reported).
  @discardableResult
  private func append(_ records: [LogRecord]) -> Bool {
    guard let journal else { return false }
    guard journal.append(records) else {
      failed("cannot write \(journal.log.path)")
      return false
    }
    store?.noteUnsyncedWrite()
    reportWriterFailure()
    return true
  }

  /// Says once that the database stopped taking records. They are safe in
  /// the pending log, so the run goes on even when recording is required,
  /// and the next run (or reader) adds them.
  private func reportWriterFailure() {
    guard let journal, let failure = journal.writerFailure, !interrupted else { return }
    interrupted = true
    warn(
      "history: recording stopped (\(failure)); the records are kept in \(journal.log.path) and the next run adds them")
  }

  /// False once a mandatory record could not be written.
  public func mayContinue() -> Bool { !mustStop && (!settings.required || store != nil) }

  // MARK: - Events

  public func runWillStart(_ run: RunDescription) {
    deadline = run.deadline
    var inputs: [InputRecord] = []
    for (path, source) in MetadataFiles.resolve(run.environment.dictionary) {
      var record = input(.config, path, keep: true)
      record.source = source
      inputs.append(record)
    }
    for path in EnvironmentFiles.list(joinPath(run.baseDirectory, "environment.d")).paths {
      inputs.append(input(.environment, path, keep: false))
    }
    let identity = ProcessIdentity.current()
    var start = RunStart(
      startedAt: run.startedAt, baseDirectory: run.baseDirectory, hostname: hostName(), pid: identity.pid,
      bootID: identity.bootID, processStart: identity.startTicks, pidNamespace: identity.pidNamespace,
      version: settings.version,
      commandLine: Self.scrubbed(run.arguments), plannedScripts: settings.plannedScripts, inputs: inputs)
    start.trace = run.trace
    if !settings.storeSecrets { knownSecrets = KnownSecrets(from: knownDocuments) }
    record { runID = try $0.writer.beginRun(start) }
    if runID != nil, let store {
      if let pendingLog { journal = ScriptJournal(log: pendingLog, databasePath: store.path) }
      if journal == nil {
        failed("cannot open \(PendingLog.path(forDatabase: store.path)) (another refresh holds it?)")
      }
      store.startLogSync(alsoSyncing: pendingLog)
    }
    usedAtStart = (try? store?.retention.usedBytes()) ?? nil
    digestCache = (try? store?.queries.fileDigests()) ?? [:]
  }

  private func input(_ kind: InputKind, _ path: String, keep: Bool) -> InputRecord {
    let bytes: [UInt8]
    let complete: Bool
    do {
      guard keep else { return InputRecord(kind: kind, path: path, sha256: try keyedDigest(of: path)) }
      (bytes, complete) = try SmallFile.read(path, limit: Self.inputContentLimit)
      guard complete else {
        // Too large to keep: digested all the same, in chunks, so a change
        // is still seen; the record says what was not kept.
        return InputRecord(
          kind: kind, path: path, sha256: try keyedDigest(of: path),
          error: "content not kept: larger than \(Self.inputContentLimit) bytes")
      }
    } catch {
      return InputRecord(kind: kind, path: path, sha256: nil, error: error.reason)
    }
    guard !settings.storeSecrets else {
      return InputRecord(kind: kind, path: path, sha256: ContentDigest.sha256Hex(bytes), content: bytes)
    }
    guard let json = JSONValue.parse(bytes) else {
      // Not JSON: it cannot be searched for secrets, so it is not kept.
      return InputRecord(kind: kind, path: path, sha256: keyedDigest(of: bytes), content: nil)
    }
    knownDocuments.append(json)
    guard MetadataDiff.holdsSecrets(json) else {
      return InputRecord(kind: kind, path: path, sha256: ContentDigest.sha256Hex(bytes), content: bytes)
    }
    // Each secret value becomes a keyed digest of itself: equal values
    // compare equal within this node, and nothing confirms a guess.
    let masked = MetadataDiff.masking(json, token: SecretDigests(key: settings.secretKey).token)
    return InputRecord(
      kind: kind, path: path, sha256: keyedDigest(of: bytes), content: Array(masked.text.utf8))
  }

  /// The metadata documents of this run, whose secret values are hidden in stored output.
  private var knownDocuments: [JSONValue] = []
  private var knownSecrets = KnownSecrets()

  /// The digest kept of content that may hold secrets: keyed, unless secrets are stored.
  private func keyedDigest(of bytes: [UInt8]) -> String? {
    if settings.storeSecrets { return ContentDigest.sha256Hex(bytes) }
    return SecretDigests(key: settings.secretKey).digest(bytes)
  }

  private func keyedDigest(of path: String) throws(SystemError) -> String? {
    if settings.storeSecrets { return try FileDigest.sha256(path) }
    guard let key = settings.secretKey else { return nil }
    return try FileDigest.hmacSHA256(path, key: key)
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
    environmentOutput = (
      OutputCapture(limit: Self.environmentOutputLimit), OutputCapture(limit: Self.environmentOutputLimit)
    )
  }

  public func environment(for phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    guard store != nil, let environmentOutput else { return }
    switch stream {
    case .stdout: environmentOutput.stdout.append(bytes)
    case .stderr: environmentOutput.stderr.append(bytes)
    }
  }

  public func environmentDidFail(
    for phase: Phase, file: String?, termination: Termination?, error: SystemError?, channels: OutputChannels
  ) {
    defer { environmentOutput = nil }
    var output: [UInt8]
    if let error {
      output = Array("cannot start the shell: \(error.reason)".utf8)
    } else if let capture = channels.combined ? environmentOutput?.stdout : environmentOutput?.stderr {
      output = capture.captured(hiding: hiddenRanges).kept
    } else {
      output = []
    }
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
    stdout.reset()
    stderr.reset()
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

  /// A script's start record: its digest remembered from an earlier run
  /// when its identity has not changed since (nothing read), else read and
  /// hashed now (a large file in chunks, its content not kept).
  private func scriptStart(_ script: Script, in phase: Phase, runID: Int64, startedAt: Int64) -> ScriptStart {
    var start = ScriptStart(
      runID: runID, phase: phase, name: script.name, path: script.path, position: script.position, sha256: nil,
      content: nil, startedAt: startedAt)
    let identity = FileIdentity.of(script.path)
    if let identity, let known = digestCache[script.path], known.identity == identity {
      start.sha256 = known.sha256
      start.contentByDigest = identity.size <= Self.scriptContentLimit
      return start
    }
    guard let contents = try? SmallFile.read(script.path, limit: Self.scriptContentLimit) else { return start }
    start.sha256 =
      contents.complete
      ? ContentDigest.sha256Hex(contents.bytes)
      : (try? FileDigest.sha256(script.path, shouldStop: hashingMustStop)) ?? nil
    start.content = contents.complete ? contents.bytes : nil
    // Remembered only when the file did not change while it was read, and
    // last changed well before: file times advance in clock ticks, so a
    // write in the same tick as our read could leave them as they were
    // (git's "racy clean" case).
    let settled = (identity?.changedNanoseconds ?? .max) < clock.wallMicroseconds() &* 1000 &- 2_000_000_000
    if settled, identity == FileIdentity.of(script.path) { start.identity = identity }
    return start
  }

  /// Whether hashing a large script must give up: the run's deadline has
  /// passed or a termination signal waits (blocked in this thread, read by
  /// the runner once the script would start). The script then has no digest.
  private func hashingMustStop() -> Bool {
    if let deadline, clock.monotonicNanoseconds() >= deadline { return true }
    var pending = sigset_t()
    sigpending(&pending)
    return [SIGTERM, SIGINT, SIGHUP].contains { sigismember(&pending, $0) == 1 }
  }

  /// The run's deadline, if it has one.
  private var deadline: MonotonicInstant?

  /// Digests of scripts as last read, by path (loaded when the run starts).
  private var digestCache: [String: (identity: FileIdentity, sha256: String)] = [:]

  public func script(_ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    guard store != nil else { return }
    switch stream {
    case .stdout: stdout.append(bytes)
    case .stderr: stderr.append(bytes)
    }
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    guard let start = currentStart, let runID, let journal else { return }
    let (exitCode, signal) = Self.split(outcome.termination)
    let end = ScriptEnd(
      finishedAt: clock.wallMicroseconds(), durationMicroseconds: outcome.durationNanoseconds / 1000,
      exitCode: exitCode, signal: signal, status: outcome.status,
      error: outcome.spawnError.map { "cannot execute: \($0.reason)" }, stdout: stdout.captured(hiding: hiddenRanges),
      stderr: stderr.captured(hiding: hiddenRanges), combinedOutput: outcome.channels.combined,
      terminal: outcome.channels.anyTerminal)
    currentStart = nil
    // A success is written with the next script's start; anything else
    // ends the phase, and is written and synced at once.
    guard outcome.status != .success else {
      heldEnd = (start, end)
      return
    }
    if append([.scriptEnd(sequence: journal.nextSequence(), start: start, runID: runID, end)]) { journal.log.sync() }
  }

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    let started = phaseStarts[phase]
    var record = PhaseRecord(
      phase: phase, status: status, startedAt: started?.startedAt,
      finishedAt: started == nil ? nil : clock.wallMicroseconds(),
      durationMicroseconds: started == nil ? nil : durationNanoseconds / 1000)
    record.spanID = started?.id
    appendEvent { .phase(sequence: $0, runID: $1, record) }
  }

  public func runDidFinish(status: RunStatus, exitStatus: Int32, durationNanoseconds: Int64) {
    guard let runID else { return }
    let duration = durationNanoseconds / 1000
    let end = RunEnd(
      finishedAt: clock.wallMicroseconds(), durationMicroseconds: duration, status: status, exitCode: Int64(exitStatus))
    // The run's end goes to the pending log too, with the held script end,
    // so it is kept even when the database cannot take it now.
    let logged = appendEvent { .runEnd(sequence: $0, runID: $1, end) }
    let applied = journal?.finish() ?? false
    if journal?.writerFailure != nil {
      // The database did not take records during the run: the run's end
      // does not wait for it either (it is in the pending log).
      store?.stopWaitingForLocks()
    }
    reportWriterFailure()
    let finish = { (store: HistoryStore) throws in
      try store.writer.finishRun(
        id: runID, finishedAt: end.finishedAt, durationMicroseconds: end.durationMicroseconds, status: status,
        exitCode: end.exitCode)
    }
    var finished = false
    if logged, let store {
      // Kept in the pending log already: a database that cannot take it now
      // costs a WARNING, never a required recording.
      do {
        try finish(store)
        finished = true
      } catch {
        if !interrupted {
          warn("history: the run's end waits in \(PendingLog.path(forDatabase: store.path)) (\(error))")
        }
        interrupted = true
      }
    } else {
      finished = record(finish)
    }
    // The run's end was synced, and with it every record before it: the
    // pending log has nothing left to give.
    if applied && finished { journal?.log.empty() }
    journal = nil
    store?.stopLogSync()
    guard finished else { return }
    if let store { recorded = (store.queries, runID) }
    record {
      if settings.keepRuns > 0 { try $0.retention.prune(keepRuns: settings.keepRuns, olderThan: nil) }
      if settings.maxDatabaseBytes > 0 {
        // Room for a run like this one, so the file stops growing.
        let growth = try $0.retention.usedBytes() - (usedAtStart ?? 0)
        try $0.retention.shrink(toBytes: settings.maxDatabaseBytes, headroom: growth)
      }
      $0.checkpoint()
    }
  }

  /// What stored output hides: matches of `--redact` and this run's known secrets.
  private func hiddenRanges(_ bytes: [UInt8]) -> [Range<Int>] {
    let found = (settings.redactor?.ranges(in: bytes) ?? []) + knownSecrets.ranges(in: bytes)
    return found.isEmpty ? [] : OutputRedactor.merged(found)
  }

  /// Our command line as recorded: the values of `--redact` (usually the
  /// secret itself) replaced by `<redacted>`.
  static func scrubbed(_ arguments: [String]) -> [String] {
    var result: [String] = []
    var hideNext = false
    for argument in arguments {
      if hideNext {
        result.append("<redacted>")
        hideNext = false
      } else if argument == "--redact" {
        result.append(argument)
        hideNext = true
      } else if argument.hasPrefix("--redact=") {
        result.append("--redact=<redacted>")
      } else {
        result.append(argument)
      }
    }
    return result
  }

}
