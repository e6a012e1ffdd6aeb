import SystemInterface

/// The files of one history, named in one place: the database, SQLite's
/// write-ahead log and shared memory beside it, the pending log of the run
/// recording into it, the key its secrets are digested under, the marker
/// that asks for a check, and where a corrupt one is moved aside.
public struct HistoryFiles: Sendable, Equatable {
  /// The database file.
  public let database: String

  /// The files of the history whose database is `database`.
  public init(database: String) { self.database = database }

  /// SQLite's write-ahead log (https://sqlite.org/wal.html).
  public var writeAheadLog: String { database + "-wal" }
  /// The write-ahead log's shared-memory index.
  public var sharedMemory: String { database + "-shm" }
  /// The records of the run in progress, before the database takes them (``PendingLog``).
  public var pendingLog: String { database + "-pending" }
  /// The key secret values are digested under (0600).
  public var secretKey: String { database + ".key" }
  /// The key the next run is sealed under, with its position (evolves after every run).
  public var sealKey: String { database + ".seal" }
  /// The initial verification key until `history seal-key` shows it.
  public var initialSealKey: String { database + ".seal-initial" }
  /// The lock a refresh holds while it records here, whatever `--lockfile` it was given.
  public var refreshLock: String { database + ".lock" }
  /// Present when a write found the database damaged: the next open checks it.
  public var checkMarker: String { database + ".needs-check" }
  /// The database with its write-ahead log and shared memory: what SQLite
  /// reads together, checked, moved aside and removed together.
  public var sqliteFiles: [String] { [database, writeAheadLog, sharedMemory] }

  /// Where a corrupt history found at `now` (UTC microseconds) is moved:
  /// `PATH.corrupt-<UTC time>`, or `…-2`, `…-3` for the `attempt`th name.
  public func quarantined(at now: Int64, attempt: Int) -> HistoryFiles {
    let stem = database + ".corrupt-" + Timestamp.compactUTC(now)
    return HistoryFiles(database: attempt <= 1 ? stem : stem + "-\(attempt)")
  }
}
