import RefreshVocabulary

/// A watched path's state as recorded: what `stat` said of it.
public struct RecordedFileState: Sendable, Equatable {
  /// `regular`, `directory`, `symlink` or `special`.
  public var kind: String
  public var device: Int64
  public var inode: Int64
  public var size: Int64
  /// Modification and change times, nanoseconds.
  public var modified: Int64
  public var changed: Int64
  public var mode: Int64
  public var owner: Int64
  public var group: Int64

  /// Creates a state.
  public init(
    kind: String, device: Int64, inode: Int64, size: Int64, modified: Int64, changed: Int64, mode: Int64,
    owner: Int64, group: Int64
  ) {
    (self.kind, self.device, self.inode, self.size, self.modified) = (kind, device, inode, size, modified)
    (self.changed, self.mode, self.owner, self.group) = (changed, mode, owner, group)
  }
}

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
  public var state: RecordedFileState
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
    state: RecordedFileState
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
