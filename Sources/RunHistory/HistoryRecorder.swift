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
  private var runStarted: MonotonicInstant = 0
  private var phaseStarts: [Phase: (wall: Int64, monotonic: MonotonicInstant)] = [:]
  private var scriptID: Int64?
  private var stdout: OutputCapture
  private var stderr: OutputCapture
  /// What the shell sourcing environment.d writes, kept for the record of a failure.
  private var environmentOutput: (stdout: OutputCapture, stderr: OutputCapture)?
  /// Bytes kept at each end of an environment.d shell's output.
  static let environmentOutputLimit = 8 * 1024

  /// Records into `store`; `warn` receives the one message when recording stops.
  public init(store: HistoryStore, settings: Settings, warn: @escaping (String) -> Void) {
    self.store = store
    self.settings = settings
    self.warn = warn
    stdout = OutputCapture(limit: settings.maxOutput)
    stderr = OutputCapture(limit: settings.maxOutput)
  }

  /// The bytes the database's pages held when the run started.
  private var usedAtStart: Int64?

  /// The end of the last script, when it succeeded: written with the next
  /// script's start, in one transaction (or at the next phase or run event).
  private var heldEnd: (id: Int64, end: ScriptEnd)?

  /// Set when a mandatory record could not be written: the run must stop.
  private var mustStop = false

  /// Set once a write failed: recording goes on trying (a full disk may get
  /// room again), and the WARNING is given once.
  private var interrupted = false
  /// Script ends not written yet because a write failed, written first once
  /// writes work again.
  private var pendingEnds: [(id: Int64, end: ScriptEnd)] = []

  /// Runs one write. A failure costs one WARNING and never the refresh: later
  /// events try again, so recording resumes when it can (a full disk that
  /// got room); with `--require-history` the run stops instead.
  @discardableResult
  private func record(_ body: (HistoryStore) throws -> Void) -> Bool {
    guard let store else { return false }
    do {
      if interrupted { try flushPendingEnds(store) }
      try body(store)
      return true
    } catch {
      if let sqlite = error as? SQLiteError, sqlite.isCorruption { store.markForCheck() }
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
      return false
    }
  }

  /// Keeps an unwritten script end for later, within 64 MiB of output in all.
  private func keepForLater(id: Int64, _ end: ScriptEnd) {
    let size = Self.keptBytes(end)
    guard pendingBytes + size <= 64 << 20 else { return }
    pendingBytes += size
    pendingEnds.append((id, end))
  }

  private var pendingBytes = 0

  /// Writes the held end of the last script now (a phase or the run ends).
  private func flushHeldEnd() {
    guard let held = heldEnd else { return }
    heldEnd = nil
    if !record({ try $0.writer.finishScript(id: held.id, held.end) }) { keepForLater(id: held.id, held.end) }
  }

  private func flushPendingEnds(_ store: HistoryStore) throws {
    while let (id, end) = pendingEnds.first {
      try store.writer.finishScript(id: id, end)
      pendingEnds.removeFirst()
      pendingBytes -= Self.keptBytes(end)
    }
  }

  /// The output bytes a script end holds.
  private static func keptBytes(_ end: ScriptEnd) -> Int {
    [end.stdout, end.stderr].reduce(0) { $0 + $1.head.count + $1.tail.count }
  }

  /// False once a mandatory record could not be written.
  public func mayContinue() -> Bool { !mustStop && (!settings.required || store != nil) }

  // MARK: - Events

  public func runWillStart(_ run: RunDescription) {
    runStarted = clock.monotonicNanoseconds()
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
    let start = RunStart(
      startedAt: run.startedAt, baseDirectory: run.baseDirectory, hostname: Self.hostname(), pid: identity.pid,
      bootID: identity.bootID, processStart: identity.startTicks, pidNamespace: identity.pidNamespace,
      version: settings.version,
      commandLine: Self.scrubbed(run.arguments), plannedScripts: settings.plannedScripts, inputs: inputs)
    if !settings.storeSecrets { knownSecrets = KnownSecrets(from: knownDocuments) }
    record { runID = try $0.writer.beginRun(start) }
    if runID != nil { store?.startLogSync() }
    usedAtStart = (try? store?.retention.usedBytes()) ?? nil
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

  public func phaseWillStart(_ phase: Phase, directory: String) {
    flushHeldEnd()
    let started = (wall: clock.wallMicroseconds(), monotonic: clock.monotonicNanoseconds())
    phaseStarts[phase] = started
    guard let runID else { return }
    record {
      try $0.writer.recordPhase(
        runID: runID, phase: phase, status: .running, startedAt: started.wall, finishedAt: nil,
        durationMicroseconds: nil)
    }
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
    guard let runID else { return }
    flushHeldEnd()
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
    record { try $0.writer.recordEnvironmentFailure(runID: runID, phase: phase, failure) }
  }

  /// An exit status or a signal, as recorded.
  private static func split(_ termination: Termination?) -> (exitCode: Int64?, signal: Int64?) {
    switch termination {
    case .exited(let status): (Int64(status), nil)
    case .signaled(let number): (nil, Int64(number))
    case nil: (nil, nil)
    }
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, startedAt: Int64) {
    stdout.reset()
    stderr.reset()
    scriptID = nil
    guard let runID, store != nil else { return }
    let contents = try? SmallFile.read(script.path, limit: Self.scriptContentLimit)
    let digest = contents.flatMap {
      $0.complete ? ContentDigest.sha256Hex($0.bytes) : try? FileDigest.sha256(script.path)
    }
    let start = ScriptStart(
      runID: runID, phase: phase, name: script.name, path: script.path, position: script.position,
      sha256: digest, content: contents?.complete == true ? contents?.bytes : nil, startedAt: startedAt)
    let held = heldEnd
    heldEnd = nil
    if !record({ scriptID = try $0.writer.beginScript(start, finishing: held) }), let held {
      keepForLater(id: held.id, held.end)
    }
  }

  public func script(_ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    guard store != nil else { return }
    switch stream {
    case .stdout: stdout.append(bytes)
    case .stderr: stderr.append(bytes)
    }
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    guard let scriptID else { return }
    let (exitCode, signal) = Self.split(outcome.termination)
    let end = ScriptEnd(
      finishedAt: clock.wallMicroseconds(), durationMicroseconds: outcome.durationNanoseconds / 1000,
      exitCode: exitCode, signal: signal, status: outcome.status,
      error: outcome.spawnError.map { "cannot execute: \($0.reason)" }, stdout: stdout.captured(hiding: hiddenRanges),
      stderr: stderr.captured(hiding: hiddenRanges), combinedOutput: outcome.channels.combined,
      terminal: outcome.channels.anyTerminal)
    self.scriptID = nil
    // A success is written with the next script's start; anything else
    // ends the phase, and is written (durably) at once.
    guard outcome.status != .success else {
      heldEnd = (scriptID, end)
      return
    }
    if !record({ try $0.writer.finishScript(id: scriptID, end, durable: true) }) { keepForLater(id: scriptID, end) }
  }

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    guard let runID else { return }
    flushHeldEnd()
    let started = phaseStarts[phase]
    record {
      try $0.writer.recordPhase(
        runID: runID, phase: phase, status: status, startedAt: started?.wall,
        finishedAt: started == nil ? nil : clock.wallMicroseconds(),
        durationMicroseconds: started == nil ? nil : durationNanoseconds / 1000)
    }
  }

  public func runDidFinish(status: RunStatus, exitStatus: Int32) {
    guard let runID else { return }
    flushHeldEnd()
    defer { store?.stopLogSync() }
    let duration = (clock.monotonicNanoseconds() - runStarted) / 1000
    record {
      try $0.writer.finishRun(
        id: runID, finishedAt: clock.wallMicroseconds(), durationMicroseconds: duration, status: status,
        exitCode: Int64(exitStatus))
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

  // MARK: - Helpers

  static func hostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

}
