import Synchronization
import SystemInterface

/// Applies pending-log records to the database on a thread of its own, in
/// batches (one transaction per batch, `synchronous = NORMAL`), while the
/// runner goes on to the next script.
///
/// The records are already in the pending log when they get here, so
/// nothing is lost if this thread falls behind, fails or dies with the
/// process: whoever opens the database next applies the rest.
public final class PendingWriter: @unchecked Sendable {
  private let files: HistoryFiles
  private let queue = Mutex<[LogRecord]>([])
  private let wake: PipeEnds
  private let done: PipeEnds
  private let drainRequested = Atomic<Bool>(false)
  private let stopRequested = Atomic<Bool>(false)
  private let failure = Mutex<String?>(nil)
  private var thread = pthread_t()
  private var running = false

  /// Starts the thread; nil when it cannot be started.
  public init?(files: HistoryFiles) {
    guard let wake = try? PipeEnds.signal(), let done = try? PipeEnds() else { return nil }
    self.files = files
    self.wake = wake
    self.done = done
    // Not retained by its thread: deinit joins the thread (stop) before
    // anything the loop uses goes away.
    guard let started = QuietThread.start(unretained: self, { $0.loop() }) else { return nil }
    thread = started
    running = true
  }

  deinit { stop() }

  /// Queues records for the database (they are in the pending log
  /// already). No system call: the thread looks every ``batchMilliseconds``.
  public func submit(_ records: [LogRecord]) {
    queue.withLock { $0 += records }
  }

  /// How often the thread takes what was queued: one transaction per batch.
  static let batchMilliseconds: Int32 = 20
  /// While only file changes come (a script changing many files, recorded
  /// as it runs), they go into one transaction kept open for up to this
  /// long, or this many changes, or until anything else comes or the
  /// queue is drained. Their rows go into indexes in no order (content
  /// digests, paths), so a commit writes most of those indexes' pages
  /// however few changes it holds: 20,000 rewritten files wrote 130 MB of
  /// WAL in 20 ms transactions; in one, each page is written once.
  static let bulkMilliseconds: Int64 = 10_000
  static let bulkCount = 50_000

  /// Why applying failed, once it has: the records stay in the pending log.
  public var failed: String? { failure.withLock { $0 } }

  /// Waits (at most `seconds`) until every queued record is applied or
  /// applying failed. Returns whether the queue was emptied without failure.
  @discardableResult
  public func drain(seconds: Int32 = 60) -> Bool {
    guard running else { return false }
    drainRequested.store(true, ordering: .releasing)
    poke()
    var descriptor = [pollfd(fd: done.readEnd.rawValue, events: Int16(POLLIN), revents: 0)]
    guard (try? systemCall("poll") { poll(&descriptor, 1, seconds * 1000) }) == 1 else { return false }
    var byte: UInt8 = 0
    _ = read(done.readEnd.rawValue, &byte, 1)
    return failed == nil
  }

  /// Applies what is queued and ends the thread.
  public func stop() {
    guard running else { return }
    running = false
    stopRequested.store(true, ordering: .releasing)
    poke()
    pthread_join(thread, nil)
  }

  /// Wakes the thread; a full pipe already will.
  private func poke() {
    var byte: UInt8 = 0x78
    _ = write(wake.writeEnd.rawValue, &byte, 1)
  }

  /// Applies `waiting`: file changes alone into the open bulk transaction
  /// (begun for them), kept open until it is old or large enough, or
  /// someone waits for the queue to empty; anything else joins the open
  /// bulk transaction, which is then committed at once (the changes found
  /// at a script's end, with the script's end, rewrite many of the pages
  /// the bulk holds: one commit writes them once), or goes in a
  /// transaction of its own when none is open.
  private func apply(
    _ waiting: inout [LogRecord], bulk: inout OpenBulk?, rows: inout [Int64: Int64], database: Database, now: Int64
  ) throws {
    let onlyChanges = waiting.allSatisfy { if case .fileChange = $0 { true } else { false } }
    guard bulk != nil || (onlyChanges && !waiting.isEmpty) else {
      // A failed transaction wrote nothing: the whole batch is tried again.
      try RunWriter(database: database).apply(waiting, rows: &rows)
      waiting.removeAll()
      return
    }
    if bulk == nil {
      try database.begin()
      bulk = OpenBulk(since: now)
    }
    try RunWriter(database: database).applyInTransaction(waiting, rows: &rows)
    bulk!.records += waiting
    waiting.removeAll()
    let due =
      !onlyChanges || now - bulk!.since >= Self.bulkMilliseconds * 1_000_000 || bulk!.records.count >= Self.bulkCount
      || drainRequested.load(ordering: .acquiring) || stopRequested.load(ordering: .acquiring)
    guard due else { return }
    try database.commit()
    bulk = nil
  }

  /// How long the thread waits for a lock another process holds, and then
  /// between tries while the database does not take records.
  static let retryMilliseconds: Int32 = 1000

  /// File changes applied in a transaction not yet committed: when it
  /// began, and the records (queued again should its commit fail).
  private struct OpenBulk {
    let since: Int64
    var records: [LogRecord] = []
  }

  private func loop() {
    var database: Database?
    var rows: [Int64: Int64] = [:]
    var descriptor = [pollfd(fd: wake.readEnd.rawValue, events: Int16(POLLIN), revents: 0)]
    var waiting: [LogRecord] = []
    var bulk: OpenBulk?
    let clock = RunClock()
    while true {
      _ = poll(&descriptor, 1, waiting.isEmpty || bulk != nil ? Self.batchMilliseconds : Self.retryMilliseconds)
      wake.discardUnread()
      waiting += queue.withLock { records -> [LogRecord] in
        defer { records.removeAll(keepingCapacity: true) }
        return records
      }
      if !waiting.isEmpty || bulk != nil {
        do {
          if database == nil {
            database = try Database(
              path: files.database, create: false, noFollow: true, busyTimeoutMilliseconds: Self.retryMilliseconds)
            // Checkpoints are the log sync thread's (as for the runner's
            // connection), and a bulk transaction's pages fit in the cache.
            try database!.execute("PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536")
          }
          try apply(&waiting, bulk: &bulk, rows: &rows, database: database!, now: clock.monotonicNanoseconds())
          failure.withLock { $0 = nil }
        } catch {
          if let open = bulk {
            // Nothing of the open transaction is kept: it is all tried again.
            database?.rollback()
            waiting = open.records + waiting
            bulk = nil
          }
          if let sqlite = error as? SQLiteError, sqlite.isCorruption {
            HistoryStore.markForCheck(files)
          }
          failure.withLock { $0 = String(describing: error) }
        }
      }
      // Answered when everything is applied, or when the database does not
      // take records (they stay in the pending log for the next run).
      // (Records queued while this batch was applied are not settled yet.)
      let settled = (waiting.isEmpty && bulk == nil && queue.withLock { $0.isEmpty }) || failed != nil
      if settled && drainRequested.exchange(false, ordering: .acquiringAndReleasing) {
        _ = writeFully(done.writeEnd.rawValue, "x")
      }
      if settled && stopRequested.load(ordering: .acquiring) { return }
    }
  }
}
