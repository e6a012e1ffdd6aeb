import FileWatch
import RefreshVocabulary

/// One version of a watched path, as the recorder hands it to the journal.
public struct FileChangeRecord: Sendable, Equatable {
  public var path: String
  public var change: FileChangeKind
  public var renamedFrom: String?
  public var found: FileChangeTime
  /// The phase and script that made it (nil: outside a script, or found at the start).
  public var phase: Phase?
  public var script: String?
  /// Whether a refresh's process made it.
  public var byRefresh: Bool
  /// When it was seen, UTC microseconds.
  public var seenAt: Int64
  /// Its state after the change (for a deletion, the last known).
  public var state: FileState
  /// Plain digest of a file holding no secret, else keyed (`hmac-sha256:…`).
  public var sha256: String?
  /// The content with secrets masked (nil: not kept).
  public var content: [UInt8]?
  /// A secret file: only its keyed digest is kept.
  public var secret = false
  /// Not text: size and digest only.
  public var binary = false
  /// Why its content could not be read, when it could not.
  public var error: String?

  /// Creates a record.
  public init(
    path: String, change: FileChangeKind, found: FileChangeTime, byRefresh: Bool, seenAt: Int64,
    state: FileState
  ) {
    (self.path, self.change, self.found, self.byRefresh, self.seenAt, self.state) =
      (path, change, found, byRefresh, seenAt, state)
  }
}

/// How a run watched the files.
public struct FileWatchRecord: Sendable, Equatable {
  public var method: WatchMethod
  /// The watched roots.
  public var paths: [String]
  public var complete: Bool
  /// Why the record is not complete (one line).
  public var incompleteReason: String?
  /// How many changes went unrecorded, when known.
  public var changesLost: Int64?

  /// Creates a record.
  public init(method: WatchMethod, paths: [String], complete: Bool) {
    (self.method, self.paths, self.complete) = (method, paths, complete)
  }
}
