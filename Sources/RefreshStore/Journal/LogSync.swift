import Synchronization
import SystemInterface

/// Makes recent commits durable off the runner's thread.
///
/// Script records are committed with `synchronous = NORMAL`: in WAL mode a
/// commit is a write to the `-wal` file, with no fsync. That survives
/// `kill -9` of our process (the bytes are in the page cache), and the
/// database is never corrupt after a power loss ("WAL mode is always
/// consistent with synchronous=NORMAL", https://sqlite.org/pragma.html#pragma_synchronous),
/// but recent commits could roll back. This thread bounds how far: every
/// `interval` it fdatasyncs the pending log when records were written to
/// it, and the WAL when the runner's connection committed since the last
/// sync, as journald syncs on a timer and auditd flushes incrementally.
/// (What the writer thread commits is in the pending log already.) So a
/// power loss loses at most the records committed in the last `interval`
/// plus the time one fdatasync takes; the runner never
/// waits for a disk between one script's exit and the next script's exec.
///
/// It also checkpoints (`PRAGMA wal_checkpoint(PASSIVE)`, on a connection
/// of its own) once the WAL passes ``checkpointBytes``, so the WAL stays
/// bounded while the runner's connection has its automatic checkpoints
/// (which sync on the runner's thread) turned off.
public final class LogSync: @unchecked Sendable {
  /// How often pending commits are synced.
  public static let intervalMilliseconds: Int32 = 100
  /// The WAL size past which the thread checkpoints (SQLite's own default
  /// is 1000 pages, 4 MiB).
  public static let checkpointBytes = 4 << 20

  private let files: HistoryFiles
  /// The pending log, synced first when the recorder writes through it.
  private let pending: FileDescriptor?
  private let log: FileDescriptor
  private let wake: PipeEnds
  private let committed = Atomic<Int>(0)
  private let synced = Atomic<Int>(0)
  /// Commits to the database alone (not writes to the pending log), and
  /// how many of them the last sync of the WAL covered.
  private let databaseCommitted = Atomic<Int>(0)
  private let databaseSynced = Atomic<Int>(0)
  private let wakes = Atomic<Int>(0)
  /// Set by ``hold()``: the timer no longer syncs; ``stop()`` still does.
  private let held = Atomic<Bool>(false)
  private let stopping = Atomic<Bool>(false)
  private let checkpointAsked = Atomic<Bool>(false)
  private let checkpointsMade = Atomic<Int>(0)
  /// The errno of the first fdatasync that failed; 0 while none has.
  private let failedWith = Atomic<Int32>(0)
  /// fdatasync(2), or a stand-in that fails, for tests.
  private let dataSync: @Sendable (Int32) -> Int32
  private var thread = pthread_t()
  private var running = false

  /// Starts syncing the write-ahead log of the history of `files`;
  /// nil when it cannot be opened (not ours, a symlink, absent) or no thread
  /// can be started: commits then stay as durable as SQLite makes them.
  public convenience init?(files: HistoryFiles, alsoSyncing pending: FileDescriptor? = nil) {
    self.init(files: files, alsoSyncing: pending, dataSync: { fdatasync($0) })
  }

  /// ``init(files:alsoSyncing:)`` syncing through `dataSync`.
  init?(files: HistoryFiles, alsoSyncing pending: FileDescriptor?, dataSync: @escaping @Sendable (Int32) -> Int32) {
    guard let log = try? FileDescriptor.open(files.writeAheadLog, O_RDONLY | O_NOFOLLOW),
      let status = try? log.status(), status.st_uid == geteuid(), (status.st_mode & S_IFMT) == S_IFREG,
      let wake = try? PipeEnds.signal()
    else { return nil }
    self.log = log
    self.wake = wake
    self.files = files
    self.pending = pending
    self.dataSync = dataSync
    // Not retained by its thread: deinit joins the thread (stop) before
    // anything the loop uses goes away.
    guard let started = QuietThread.start(unretained: self, { $0.loop() }) else { return nil }
    thread = started
    running = true
  }

  deinit { stop() }

  /// A commit was made; `durable` when it was synced already (`FULL`).
  public func noteCommit(durable: Bool) {
    let count = committed.add(1, ordering: .releasing).newValue
    let databaseCount = databaseCommitted.add(1, ordering: .releasing).newValue
    guard durable else { return }
    synced.store(count, ordering: .releasing)
    databaseSynced.max(databaseCount, ordering: .acquiringAndReleasing)
  }

  /// Records were written to the pending log. A sync of the log makes them
  /// durable: whatever the database took of them needs no sync of the WAL
  /// (after a power loss, the log is applied again where the database
  /// stands), so while only the log is written (a script changing many
  /// files, recorded as it runs) the WAL is not synced, and the kernel
  /// writes its pages once they settle instead of at every interval.
  public func notePendingWrite() {
    committed.add(1, ordering: .releasing)
  }

  /// How many times the thread has woken (each interval, or when stopped):
  /// how tests bound the sync's delay in ticks rather than seconds.
  public var ticks: Int { wakes.load(ordering: .acquiring) }

  /// Commits not yet known to be on disk.
  public var pendingCommits: Int {
    committed.load(ordering: .acquiring) - synced.load(ordering: .acquiring)
  }

  /// Why syncing failed, if it did: the commits since stay pending (not
  /// durable), and the failure is reported, never counted as a sync.
  public var syncFailure: SystemError? {
    let code = failedWith.load(ordering: .acquiring)
    return code == 0 ? nil : SystemError(call: "fdatasync", code: code)
  }

  /// Leaves what is pending to a durable commit the caller is about to
  /// make (the run's seal, which syncs the write-ahead log with everything
  /// before it): no sync of its own runs beside that one. ``stop()`` still
  /// syncs whatever that commit did not cover.
  public func hold() { held.store(true, ordering: .releasing) }

  /// Syncs what is pending and ends the thread; waits for it.
  public func stop() {
    guard running else { return }
    running = false
    stopping.store(true, ordering: .releasing)
    _ = writeFully(wake.writeEnd.rawValue, "x")
    pthread_join(thread, nil)
  }

  /// Folds the WAL into the database now, on this thread, when it has
  /// passed ``checkpointBytes``: at a run's end, once the writer thread
  /// committed a stream of file changes, so that the WAL's sync and its
  /// copy into the database run beside the run's last work (its seal)
  /// rather than after it on the runner's thread. ``stop()`` waits for it.
  /// A smaller WAL wakes nothing: the run's own checkpoint takes it.
  public func checkpointSoon() {
    guard let size = try? log.status().st_size, size > Self.checkpointBytes else { return }
    checkpointAsked.store(true, ordering: .releasing)
    _ = writeFully(wake.writeEnd.rawValue, "c")
  }

  /// How many checkpoints this thread has made (for tests).
  public var checkpoints: Int { checkpointsMade.load(ordering: .acquiring) }

  private func loop() {
    var descriptors = [pollfd(fd: wake.readEnd.rawValue, events: Int16(POLLIN), revents: 0)]
    // This thread's own connection, for checkpoints: opened when first needed.
    var checkpointer: Database?
    while true {
      let ready = poll(&descriptors, 1, Self.intervalMilliseconds)
      if ready > 0 { wake.discardUnread() }
      let stopped = stopping.load(ordering: .acquiring)
      var checkpointDue = checkpointAsked.exchange(false, ordering: .acquiringAndReleasing)
      let target = committed.load(ordering: .acquiring)
      if target > synced.load(ordering: .acquiring) && (stopped || !held.load(ordering: .acquiring)) {
        // fsync errors are not to be retried as if the data were safe
        // (https://wiki.postgresql.org/wiki/Fsync_Errors): a failure is
        // kept and said, and these commits are never called durable.
        let pendingSynced = pending.map { dataSync($0.rawValue) == 0 } ?? true
        let pendingErrno = errno
        let databaseTarget = databaseCommitted.load(ordering: .acquiring)
        let walNeeded = pending == nil || databaseTarget > databaseSynced.load(ordering: .acquiring)
        if pendingSynced && (!walNeeded || dataSync(log.rawValue) == 0) {
          // Never back: a durable commit meanwhile may have noted more.
          synced.max(target, ordering: .acquiringAndReleasing)
          databaseSynced.max(databaseTarget, ordering: .acquiringAndReleasing)
        } else {
          _ = failedWith.compareExchange(
            expected: 0, desired: pendingSynced ? errno : pendingErrno, ordering: .acquiringAndReleasing)
        }
        checkpointDue = true
      }
      if checkpointDue { checkpointIfLarge(&checkpointer) }
      wakes.add(1, ordering: .releasing)
      if stopped { return }
    }
  }

  /// `PRAGMA wal_checkpoint(PASSIVE)` on this thread's own connection
  /// (opened when first needed) once the WAL passes ``checkpointBytes``.
  /// It syncs the WAL before copying it, and the database after.
  private func checkpointIfLarge(_ checkpointer: inout Database?) {
    guard let size = try? log.status().st_size, size > Self.checkpointBytes else { return }
    if checkpointer == nil {
      checkpointer = try? Database(path: files.database, create: false, noFollow: true, busyTimeoutMilliseconds: 0)
    }
    if (try? checkpointer?.execute("PRAGMA wal_checkpoint(PASSIVE)")) != nil {
      checkpointsMade.add(1, ordering: .releasing)
    }
  }
}
