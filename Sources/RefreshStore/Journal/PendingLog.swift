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
  let file: FileDescriptor
  public let path: String

  /// Opens (creating, 0600) and locks the file for a run; nil when it is
  /// unsafe (a symbolic link, not ours, not a regular file, or a hard link:
  /// another name of a file we would append to and truncate) or another
  /// process holds it.
  public static func openForRun(_ files: HistoryFiles) -> PendingLog? {
    let path = files.pendingLog
    guard
      let file = try? FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, mode: 0o600),
      let status = try? file.status(), foreignReason(status) == nil,
      flock(file.rawValue, LOCK_EX | LOCK_NB) == 0
    else { return nil }
    fchmod(file.rawValue, 0o600)
    return PendingLog(file: file, path: path)
  }

  /// Why a file at the pending log's name is not one we may use (not a
  /// regular file, another user's, linked elsewhere too), or nil.
  static func foreignReason(_ info: stat) -> String? {
    if info.st_mode & S_IFMT != S_IFREG { return "not a regular file" }
    if info.st_uid != geteuid() { return "owned by uid \(info.st_uid)" }
    if info.st_nlink != 1 { return "\(info.st_nlink) links to it" }
    return nil
  }

  /// The file's length after the last whole append.
  private var size: Int64

  /// Unlocked explicitly, not only by the close: a copy of the descriptor
  /// a child forked elsewhere holds until its exec would keep the lock (flock(2)).
  deinit { flock(file.rawValue, LOCK_UN) }

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

  /// Syncs the file now (an end that matters at once: a failure); the
  /// error when fdatasync(2) failed, and the records are not known to be on disk.
  @discardableResult
  public func sync() -> SystemError? {
    fdatasync(file.rawValue) == 0 ? nil : SystemError(call: "fdatasync", code: errno)
  }

  /// Empties the file (its records are durable in the database).
  public func empty() {
    _ = ftruncate(file.rawValue, 0)
    size = 0
  }

  /// The records in the file, up to the first that is cut short or damaged.
  public func records() -> [LogRecord] {
    var records: [LogRecord] = []
    forEachBatch { records += $0 }
    return records
  }

  /// Hands the records in the file to `body` in order, in batches of about
  /// `byteLimit` bytes, up to the first record cut short or damaged: a log
  /// of any size is read in the memory of one batch and its largest record.
  public func forEachBatch(byteLimit: Int = 8 << 20, _ body: ([LogRecord]) throws -> Void) rethrows {
    var offset: Int64 = 0
    var batch: [LogRecord] = []
    var batchBytes = 0
    var header = [UInt8](repeating: 0, count: 8)
    while read(into: &header, at: offset) {
      let length = Int(Self.uint32(header, at: 0))
      var payload = [UInt8](repeating: 0, count: length)
      guard length <= Self.maximumRecordBytes, read(into: &payload, at: offset + 8),
        Self.checksum(payload[...]) == Self.uint32(header, at: 4), let record = LogRecord(decoding: payload[...])
      else { break }
      batch.append(record)
      batchBytes += length
      offset += 8 + Int64(length)
      if batchBytes >= byteLimit {
        try body(batch)
        (batch, batchBytes) = ([], 0)
      }
    }
    if !batch.isEmpty { try body(batch) }
  }

  /// No record is larger: a length past it is damage, not a record.
  static let maximumRecordBytes = 1 << 30

  /// Fills `buffer` from `offset`; false at the end of the file or on an error.
  private func read(into buffer: inout [UInt8], at offset: Int64) -> Bool {
    var filled = 0
    while filled < buffer.count {
      let count = buffer.withUnsafeMutableBytes { bytes in
        (try? file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[filled...]), at: offset + Int64(filled)))
          ?? 0
      }
      guard count > 0 else { return false }
      filled += count
    }
    return true
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
