import RefreshVocabulary
import SystemInterface

/// What a refresh writes before each script is executed, so that the
/// SQLite work can happen on another thread.
///
/// `PATH-pending`, beside the database (0600, never through a symlink): an
/// append-only file of records, each `length (4 bytes LE) · checksum (4
/// bytes LE, FNV-1a of the payload) · payload`. A script's start, with the
/// end of the script before it, is one `write(2)` before the script is
/// executed: in the page cache, so `kill -9` of us loses nothing, and synced
/// off the runner's thread (``LogSync``). A writer thread applies the
/// records to the database in batches; the next refresh (or reader that
/// may write) applies what a killed run left, skipping what the database
/// already holds (`runs.logged_through`), then empties the file. A record
/// cut short by a power loss fails its checksum and ends the reading.
///
/// The recording process holds an exclusive `flock` on it for the run, so
/// a reader never takes a live run's file for a dead one's.
public final class PendingLog {
  /// The file beside the database at `databasePath`.
  public static func path(forDatabase databasePath: String) -> String { databasePath + "-pending" }

  let file: FileDescriptor
  public let path: String

  /// Opens (creating, 0600) and locks the file for a run; nil when it is
  /// unsafe or another process holds it.
  public static func openForRun(databasePath: String) -> PendingLog? {
    let path = path(forDatabase: databasePath)
    guard
      let file = try? FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, mode: 0o600),
      let status = try? file.status(), status.st_uid == geteuid(), (status.st_mode & S_IFMT) == S_IFREG,
      flock(file.rawValue, LOCK_EX | LOCK_NB) == 0
    else { return nil }
    fchmod(file.rawValue, 0o600)
    return PendingLog(file: file, path: path)
  }

  /// The file's length after the last whole append.
  private var size: Int64

  private init(file: FileDescriptor, path: String) {
    self.file = file
    self.path = path
    size = (try? file.status()).map { Int64($0.st_size) } ?? 0
  }

  /// Appends `records` in one write. Returns false when they were not all
  /// written; what part was written is cut off again, so a later append
  /// never follows a torn record.
  public func append(_ records: [LogRecord]) -> Bool {
    var bytes: [UInt8] = []
    for record in records { Self.frame(record.encoded(), into: &bytes) }
    guard bytes.withUnsafeBytes({ writeFully(file.rawValue, $0) }) else {
      _ = ftruncate(file.rawValue, off_t(size))
      return false
    }
    size += Int64(bytes.count)
    return true
  }

  /// Syncs the file now (an end that matters at once: a failure).
  public func sync() { _ = fdatasync(file.rawValue) }

  /// Empties the file (its records are durable in the database).
  public func empty() {
    _ = ftruncate(file.rawValue, 0)
    size = 0
  }

  /// The records in the file, up to the first that is cut short or damaged.
  public func records() -> [LogRecord] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var offset: Int64 = 0
    while true {
      let count = buffer.withUnsafeMutableBytes { (try? file.read(into: $0, at: offset)) ?? 0 }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
      offset += Int64(count)
    }
    return Self.parse(bytes)
  }

  /// The file's descriptor, for ``LogSync``.
  public var descriptor: FileDescriptor { file }

  static func frame(_ payload: [UInt8], into bytes: inout [UInt8]) {
    withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes += $0 }
    withUnsafeBytes(of: checksum(payload[...]).littleEndian) { bytes += $0 }
    bytes += payload
  }

  static func parse(_ bytes: [UInt8]) -> [LogRecord] {
    var records: [LogRecord] = []
    var offset = 0
    while bytes.count - offset >= 8 {
      let length = Int(Self.uint32(bytes, at: offset))
      let sum = Self.uint32(bytes, at: offset + 4)
      guard length <= bytes.count - offset - 8 else { break }
      let payload = bytes[(offset + 8)..<(offset + 8 + length)]
      guard checksum(payload) == sum, let record = LogRecord(decoding: payload) else { break }
      records.append(record)
      offset += 8 + length
    }
    return records
  }

  private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
  }

  /// FNV-1a, 32 bits: enough to tell a torn or stale record from a whole one.
  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes {
      hash ^= UInt32(byte)
      hash = hash &* 16_777_619
    }
    return hash
  }
}

/// One record of the pending log.
public enum LogRecord: Sendable {
  /// A script starts; `sequence` numbers the run's script records.
  case scriptStart(sequence: Int64, ScriptStart)
  /// The script whose start was record `start` of run `runID` ended.
  case scriptEnd(sequence: Int64, start: Int64, runID: Int64, ScriptEnd)
  /// A phase started or ended (as ``RunWriter/recordPhase``).
  case phase(sequence: Int64, runID: Int64, PhaseRecord)
  /// environment.d failed for a phase.
  case environmentFailure(sequence: Int64, runID: Int64, Phase, EnvironmentFailureRecord)
  /// The run ended (kept here until the database has it).
  case runEnd(sequence: Int64, runID: Int64, RunEnd)

  /// The run the record belongs to.
  public var runID: Int64 {
    switch self {
    case .scriptStart(_, let start): start.runID
    case .scriptEnd(_, _, let runID, _), .phase(_, let runID, _), .environmentFailure(_, let runID, _, _),
      .runEnd(_, let runID, _):
      runID
    }
  }

  /// Its sequence number within the run.
  public var sequence: Int64 {
    switch self {
    case .scriptStart(let sequence, _), .scriptEnd(let sequence, _, _, _), .phase(let sequence, _, _),
      .environmentFailure(let sequence, _, _, _), .runEnd(let sequence, _, _):
      sequence
    }
  }

  func encoded() -> [UInt8] {
    var out = RecordEncoder()
    switch self {
    case .scriptStart(let sequence, let start):
      out.header(1, sequence, start.runID)
      out.text(start.phase.rawValue)
      out.text(start.name)
      out.text(start.path)
      out.int(Int64(start.position))
      out.optionalText(start.sha256)
      out.optionalBytes(start.content)
      out.int(start.startedAt)
      out.byte(start.contentByDigest ? 1 : 0)
      out.byte(start.identity == nil ? 0 : 1)
      if let identity = start.identity {
        for value in [
          identity.device, identity.inode, identity.size, identity.modifiedNanoseconds, identity.changedNanoseconds,
        ] { out.int(value) }
      }
      out.optionalText(start.spanID?.hex)
    case .scriptEnd(let sequence, let start, let runID, let end):
      out.header(2, sequence, runID)
      out.int(start)
      out.int(end.finishedAt)
      out.int(end.durationMicroseconds)
      out.optionalInt(end.exitCode)
      out.optionalInt(end.signal)
      out.text(end.status.rawValue)
      out.optionalText(end.error)
      out.stream(end.stdout)
      out.stream(end.stderr)
      out.byte(end.combinedOutput ? 1 : 0)
      out.byte(end.terminal ? 1 : 0)
    case .phase(let sequence, let runID, let record):
      out.header(3, sequence, runID)
      out.text(record.phase.rawValue)
      out.text(record.status.rawValue)
      out.optionalInt(record.startedAt)
      out.optionalInt(record.finishedAt)
      out.optionalInt(record.durationMicroseconds)
      out.optionalText(record.spanID?.hex)
    case .environmentFailure(let sequence, let runID, let phase, let failure):
      out.header(4, sequence, runID)
      out.text(phase.rawValue)
      out.optionalText(failure.file)
      out.optionalInt(failure.exitCode)
      out.optionalInt(failure.signal)
      out.data(failure.output)
      out.byte(failure.combinedOutput ? 1 : 0)
    case .runEnd(let sequence, let runID, let end):
      out.header(5, sequence, runID)
      out.int(end.finishedAt)
      out.int(end.durationMicroseconds)
      out.text(end.status.rawValue)
      out.int(end.exitCode)
    }
    return out.output
  }

  private static func scriptStart(runID: Int64, from input: inout RecordDecoder) -> ScriptStart? {
    guard let phase = input.text().flatMap(Phase.init), let name = input.text(), let path = input.text(),
      let position = input.int(),
      let sha256 = input.optionalText(), let content = input.optionalBytes(), let startedAt = input.int(),
      let byDigest = input.byte(), let hasIdentity = input.byte()
    else { return nil }
    var start = ScriptStart(
      runID: runID, phase: phase, name: name, path: path, position: Int(position), sha256: sha256,
      content: content, startedAt: startedAt)
    start.contentByDigest = byDigest == 1
    if hasIdentity == 1 {
      let values = (0..<5).compactMap { _ in input.int() }
      guard values.count == 5 else { return nil }
      start.identity = FileIdentity(
        device: values[0], inode: values[1], size: values[2], modifiedNanoseconds: values[3],
        changedNanoseconds: values[4])
    }
    start.spanID = input.trailingSpanID()
    return start
  }

  init?(decoding payload: ArraySlice<UInt8>) {
    var input = RecordDecoder(remaining: payload)
    guard let kind = input.byte(), let sequence = input.int(), let runID = input.int() else { return nil }
    switch kind {
    case 1:
      guard let start = Self.scriptStart(runID: runID, from: &input) else { return nil }
      self = .scriptStart(sequence: sequence, start)
    case 2:
      guard let start = input.int(), let finishedAt = input.int(),
        let duration = input.int(), let exitCode = input.optionalInt(), let signal = input.optionalInt(),
        let status = input.text().flatMap(ScriptStatus.init), let error = input.optionalText(),
        let stdout = input.stream(), let stderr = input.stream(), let combined = input.byte(),
        let terminal = input.byte()
      else { return nil }
      self = .scriptEnd(
        sequence: sequence, start: start, runID: runID,
        ScriptEnd(
          finishedAt: finishedAt, durationMicroseconds: duration, exitCode: exitCode, signal: signal, status: status,
          error: error, stdout: stdout, stderr: stderr, combinedOutput: combined != 0, terminal: terminal != 0))
    case 3:
      guard let phase = input.text().flatMap(Phase.init), let status = input.text().flatMap(PhaseStatus.init),
        let startedAt = input.optionalInt(),
        let finishedAt = input.optionalInt(), let duration = input.optionalInt()
      else { return nil }
      var record = PhaseRecord(
        phase: phase, status: status, startedAt: startedAt, finishedAt: finishedAt, durationMicroseconds: duration)
      record.spanID = input.trailingSpanID()
      self = .phase(sequence: sequence, runID: runID, record)
    case 4:
      guard let phase = input.text().flatMap(Phase.init), let file = input.optionalText(),
        let exitCode = input.optionalInt(), let signal = input.optionalInt(),
        let output = input.data(), let combined = input.byte()
      else { return nil }
      self = .environmentFailure(
        sequence: sequence, runID: runID, phase,
        EnvironmentFailureRecord(
          file: file, exitCode: exitCode, signal: signal, output: output, combinedOutput: combined != 0))
    case 5:
      guard let finishedAt = input.int(), let duration = input.int(), let status = input.text().flatMap(RunStatus.init),
        let exitCode = input.int()
      else { return nil }
      self = .runEnd(
        sequence: sequence, runID: runID,
        RunEnd(finishedAt: finishedAt, durationMicroseconds: duration, status: status, exitCode: exitCode))
    default:
      return nil
    }
  }
}

/// How a run ended, as recorded.
public struct RunEnd: Sendable, Equatable {
  public var finishedAt: Int64
  public var durationMicroseconds: Int64
  public var status: RunStatus
  public var exitCode: Int64

  /// Creates a record.
  public init(finishedAt: Int64, durationMicroseconds: Int64, status: RunStatus, exitCode: Int64) {
    (self.finishedAt, self.durationMicroseconds) = (finishedAt, durationMicroseconds)
    (self.status, self.exitCode) = (status, exitCode)
  }
}

/// A phase's status and times, as recorded.
public struct PhaseRecord: Sendable, Equatable {
  public var phase: Phase
  public var status: PhaseStatus
  public var startedAt: Int64?
  public var finishedAt: Int64?
  public var durationMicroseconds: Int64?
  /// The phase's span in the run's trace.
  public var spanID: SpanID?

  /// Creates a record.
  public init(
    phase: Phase, status: PhaseStatus, startedAt: Int64?, finishedAt: Int64?, durationMicroseconds: Int64?
  ) {
    self.phase = phase
    self.status = status
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.durationMicroseconds = durationMicroseconds
  }
}

/// Little-endian fields, length-prefixed bytes, a presence byte before optionals.
struct RecordEncoder {
  var output: [UInt8] = []

  mutating func byte(_ value: UInt8) { output.append(value) }
  /// What every record starts with: its kind, its sequence number and its run.
  mutating func header(_ kind: UInt8, _ sequence: Int64, _ runID: Int64) {
    byte(kind)
    int(sequence)
    int(runID)
  }
  mutating func stream(_ value: CapturedStream) {
    data(value.head)
    data(value.tail)
    int(value.totalBytes)
    byte(value.truncated ? 1 : 0)
  }
  mutating func int(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { output += $0 } }
  mutating func data(_ value: [UInt8]) {
    int(Int64(value.count))
    output += value
  }
  mutating func text(_ value: String) { data(Array(value.utf8)) }
  mutating func optionalInt(_ value: Int64?) {
    byte(value == nil ? 0 : 1)
    if let value { int(value) }
  }
  mutating func optionalText(_ value: String?) {
    byte(value == nil ? 0 : 1)
    if let value { text(value) }
  }
  mutating func optionalBytes(_ value: [UInt8]?) {
    byte(value == nil ? 0 : 1)
    if let value { data(value) }
  }
}

/// Reads what ``RecordEncoder`` wrote; nil for anything short or out of range.
struct RecordDecoder {
  var remaining: ArraySlice<UInt8>

  /// A span id ending a record; nil when absent (records written before
  /// spans were kept end without it).
  mutating func trailingSpanID() -> SpanID? {
    guard !remaining.isEmpty, let hex = optionalText() else { return nil }
    return hex.flatMap { SpanID(hex: $0) }
  }

  mutating func byte() -> UInt8? { remaining.popFirst() }
  mutating func int() -> Int64? {
    guard remaining.count >= 8 else { return nil }
    let value = remaining.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    remaining = remaining.dropFirst(8)
    return Int64(bitPattern: value)
  }
  mutating func data() -> [UInt8]? {
    guard let count = int(), count >= 0, count <= remaining.count else { return nil }
    defer { remaining = remaining.dropFirst(Int(count)) }
    return Array(remaining.prefix(Int(count)))
  }
  mutating func text() -> String? { data().map { String(decoding: $0, as: UTF8.self) } }
  mutating func optionalInt() -> Int64?? { optional { $0.int() } }
  mutating func optionalText() -> String?? { optional { $0.text() } }
  mutating func optionalBytes() -> [UInt8]?? { optional { $0.data() } }
  mutating func stream() -> CapturedStream? {
    guard let head = data(), let tail = data(), let total = int(), let truncated = byte() else { return nil }
    return CapturedStream(head: head, tail: tail, totalBytes: total, truncated: truncated != 0)
  }

  /// A presence byte, then the value: `.some(nil)` when absent, nil when damaged.
  private mutating func optional<T>(_ read: (inout RecordDecoder) -> T?) -> T?? {
    guard let present = byte() else { return nil }
    guard present == 1 else { return present == 0 ? .some(nil) : nil }
    guard let value = read(&self) else { return nil }
    return .some(value)
  }
}
