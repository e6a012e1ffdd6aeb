import SystemInterface

/// The store's one write path for a run's records, from its first phase
/// to its end: ``HistoryStore/journal(for:)`` hands it out once the run is
/// begun.
///
/// Records go to the pending log, one write before each script is executed
/// (the end of the script before it with the start of the next), and
/// through the ``PendingWriter`` thread into the database, so no SQLite
/// work and no fsync sits between one script's exit and the next one's
/// exec; ``LogSync`` syncs both off the runner's thread. Whoever builds the
/// records (the recorder) never sees the log, the thread or the sync.
public final class RunJournal {
  /// The run the records belong to.
  public let runID: Int64
  private let store: HistoryStore
  private let log: PendingLog
  private let writer: PendingWriter
  private var sequence: Int64 = 0
  /// Records a failed append left (a full disk): written first by the next
  /// append, within ``unwrittenLimit`` bytes of records in all.
  private var unwritten: [LogRecord] = []
  private var unwrittenBytes = 0
  private static let unwrittenLimit = 64 << 20

  /// Starts the writer thread and the log sync; nil when the thread cannot be had.
  init?(store: HistoryStore, log: PendingLog, runID: Int64) {
    guard let writer = PendingWriter(files: store.files) else { return nil }
    self.store = store
    self.log = log
    self.writer = writer
    self.runID = runID
    store.startLogSync(alsoSyncing: log)
  }

  /// Where the records wait for the database: named in warnings.
  public var pendingPath: String { log.path }

  /// The next record's sequence number within the run.
  public func nextSequence() -> Int64 {
    sequence += 1
    return sequence
  }

  /// Appends `records` after any a failed append left. Returns false when
  /// they could not be written: they are kept for the next append.
  public func append(_ records: [LogRecord]) -> Bool {
    let batch = unwritten + records
    guard log.append(batch) else {
      for record in records {
        let size = Self.size(record)
        guard unwrittenBytes + size <= Self.unwrittenLimit else { break }
        unwritten.append(record)
        unwrittenBytes += size
      }
      return false
    }
    unwritten.removeAll()
    unwrittenBytes = 0
    writer.submit(batch)
    store.noteUnsyncedWrite()
    return true
  }

  /// Syncs the pending log now (a failed script ends its phase: its record
  /// must survive a power loss); why it failed, if it did.
  public func sync() -> SystemError? { log.sync() }

  /// Why the writer thread stopped applying records, once it has.
  public var writerFailure: String? { writer.failed }

  /// Waits for the writer to apply everything and stops it; whether every
  /// record reached the database.
  public func drain() -> Bool {
    let drained = writer.drain()
    writer.stop()
    return drained && unwritten.isEmpty
  }

  /// The run's end comes next, once drained. When it comes with a durable
  /// commit (its seal, `sealed`), the background syncs wait for it instead
  /// of running beside it. Then a WAL the writer thread filled (a stream of
  /// file changes) is synced and folded into the database on the log sync
  /// thread, beside the run's last work, not after it
  /// (``LogSync/checkpointSoon()``); asked after the hold, so that its
  /// wake-up syncs nothing beside the seal's commit.
  public func endComing(sealed: Bool) {
    if sealed { store.database.logSync?.hold() }
    store.database.logSync?.checkpointSoon()
  }

  /// Ends the journal: empties the pending log when the database holds the
  /// run's end and every record before it (`runEndApplied`), and stops the
  /// log sync. Returns why a sync failed, if one did.
  public func end(runEndApplied: Bool) -> SystemError? {
    if runEndApplied { log.empty() }
    return store.stopLogSync()
  }

  private static func size(_ record: LogRecord) -> Int {
    switch record {
    case .scriptStart(_, let start): (start.content?.count ?? 0) + start.path.utf8.count + 64
    case .scriptEnd(_, _, _, let end):
      [end.stdout, end.stderr].reduce(64) { $0 + $1.head.count + $1.tail.count }
    case .phase, .runEnd: 64
    case .environmentFailure(_, _, _, let failure): failure.output.count + 64
    case .deployment(_, _, let deployment): deployment.stdout.count + deployment.stderr.count + 256
    case .input(_, _, let input): (input.content?.count ?? 0) + input.path.utf8.count + 128
    case .fileChange(_, _, let change): (change.content?.count ?? 0) + change.path.utf8.count * 2 + 256
    case .fileWatch(_, _, let watch): watch.paths.reduce(128) { $0 + $1.utf8.count }
    }
  }
}
