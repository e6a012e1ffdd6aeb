import RefreshVocabulary
import SystemInterface

/// The run history database: where it is, how it is opened (made,
/// quarantined when corrupt, migrated), and the housekeeping done on open.
/// Recording, queries and retention are the jobs of ``writer``, ``queries``
/// and ``retention``.
public final class HistoryStore {
  /// The default location, `/var/lib/os-refresh-config/history.sqlite`.
  public static let defaultPath = "/var/lib/os-refresh-config/history.sqlite"

  /// The connection.
  let database: Database
  /// The database file's path.
  public var path: String { database.path }
  /// The database and the files beside it.
  public var files: HistoryFiles { HistoryFiles(database: path) }
  /// The pending log, locked for the next run by ``prepareForRun(isAlive:)``
  /// and handed to its journal by ``journal(for:)``.
  private var runLog: PendingLog?

  /// The path chosen as `--db` over `OS_REFRESH_CONFIG_DB` over the default.
  public static func path(option: String?, environment: [String: String]) -> String {
    if let option { return option }
    if let variable = environment["OS_REFRESH_CONFIG_DB"], !variable.isEmpty { return variable }
    return defaultPath
  }

  private init(database: Database) {
    self.database = database
  }

  /// Records runs as they happen.
  public var writer: RunWriter { RunWriter(database: database) }
  /// Reads the history.
  public var queries: HistoryQueries { HistoryQueries(database: database) }

  /// ``HistoryQueries/fileStates(under:)`` read on a thread of its own, on
  /// a connection of its own, while the caller goes on (a refresh's start
  /// lists the watched paths meanwhile: with many files, each takes about
  /// as long as the other).
  public func fileStatesAside(under roots: [String]) -> Background<Result<[String: StoredFileState], any Error>> {
    let sibling: Connection
    do {
      sibling = Connection(database: try database.sibling())
    } catch {
      return Background { .failure(error) }
    }
    return Background { Result { try HistoryQueries(database: sibling.database).fileStates(under: roots) } }
  }
  /// Keeps the history bounded.
  public var retention: Retention { Retention(database: database) }

  // MARK: - Opening

  /// What happened to a corrupt database on open.
  public struct Quarantine: Sendable, Equatable {
    /// Where the corrupt file was moved.
    public let movedTo: String
    /// The error that showed it corrupt.
    public let reason: String
    /// Where the records it had not taken yet (its pending log) were moved,
    /// beside it: they belong to its runs, so the new database cannot take them.
    public var pendingMovedTo: String?
  }

  /// Opens the database for recording, making its directory (0700) and file
  /// (0600) when missing and migrating the schema.
  ///
  /// A file SQLite reports as corrupt or not a database is moved aside as
  /// `PATH.corrupt-<UTC time>` (with its `-wal` and `-shm`) and a new one is
  /// started; `quarantine` says so. A database from a newer binary is refused.
  public static func openForRecording(at path: String, now: Int64) throws -> (
    store: HistoryStore, quarantine: Quarantine?
  ) {
    try DatabaseLocation.checkName(path)
    try makeDirectory(for: path)
    try DatabaseLocation.checkDirectory(of: path)
    try DatabaseLocation.checkFiles(path)
    do {
      return (try openCheckedAndMigrated(path), nil)
    } catch let error as SQLiteError where error.isCorruption {
      let target = try moveAside(path, now: now)
      var quarantine = Quarantine(movedTo: target, reason: error.description)
      let pending = HistoryFiles(database: path).pendingLog
      var info = stat()
      if lstat(pending, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
        rename(pending, HistoryFiles(database: target).pendingLog) == 0
      {
        quarantine.pendingMovedTo = HistoryFiles(database: target).pendingLog
      }
      return (try openAndMigrate(path), quarantine)
    }
  }

  /// Opens and migrates, then runs `PRAGMA quick_check` when damage is
  /// likely: a run did not finish (killed, power lost) or a write found the
  /// database damaged (the marker file). It reads every page, so it is not
  /// run on every open.
  private static func openCheckedAndMigrated(_ path: String) throws -> HistoryStore {
    let store = try openAndMigrate(path)
    let unfinished =
      try store.database.firstRow("SELECT count(*) FROM runs WHERE status = ?", [.word(RunStatus.running)]) {
        $0.int64(0)
      } ?? 0
    guard unfinished > 0 || access(store.files.checkMarker, F_OK) == 0 else { return store }
    let answer = try store.quickCheck()
    guard answer == "ok" else {
      throw SQLiteError.corruption("quick_check: \(answer.prefix(300))")
    }
    unlink(store.files.checkMarker)
    return store
  }

  /// Asks the next open for recording to check the whole database: a write
  /// found it damaged.
  public func markForCheck() { Self.markForCheck(files) }

  /// Leaves the marker that has the next open check the database of `files`.
  static func markForCheck(_ files: HistoryFiles) {
    _ = try? FileDescriptor.open(files.checkMarker, O_WRONLY | O_CREAT | O_NOFOLLOW, mode: 0o600)
  }

  /// `PRAGMA quick_check`'s answer, "ok" for a sound database: every page
  /// read and checked, without matching indexes to their tables.
  func quickCheck() throws -> String {
    try database.rows("PRAGMA quick_check", []) { $0.text(0) }.joined(separator: "\n")
  }

  /// Moves a corrupt database (with its -wal and -shm) aside as
  /// `PATH.corrupt-<UTC time>`, or `…-2`, `…-3` when that name is taken.
  private static func moveAside(_ path: String, now: Int64) throws -> String {
    let files = HistoryFiles(database: path)
    var attempt = 1
    var target = files.quarantined(at: now, attempt: attempt)
    while target.sqliteFiles.contains(where: { access($0, F_OK) == 0 }) {
      attempt += 1
      target = files.quarantined(at: now, attempt: attempt)
    }
    for (from, to) in zip(files.sqliteFiles, target.sqliteFiles) where access(from, F_OK) == 0 {
      guard rename(from, to) == 0 else {
        throw StoreError.unusableDirectory(
          path: path, reason: "cannot move the corrupt database aside: \(String(cString: strerror(errno)))")
      }
    }
    unlink(files.checkMarker)
    return target.database
  }

  /// Something a reader should be told about what it reads (one line), or nil.
  public private(set) var notice: String?

  /// The schema version of the file (older than the latest only for a
  /// reader, which reads it through ``OlderSchema`` and writes nothing).
  public private(set) var schemaVersion = Migration.latestVersion

  /// Whether the file is of an older schema, read as it is: nothing may be written.
  public var readsOlderSchema: Bool { schemaVersion < Migration.latestVersion }

  /// Opens an existing database for queries. It is opened for writing when
  /// possible, so abandoned runs can be marked; a missing file is an error,
  /// never created. On a read-only filesystem it is read as immutable. A
  /// file of an older schema is never migrated: it is read as it is
  /// (``OlderSchema``) and nothing is written to it.

  public static func openForReading(at path: String) throws -> HistoryStore {
    try DatabaseLocation.checkReadable(path)
    let database: Database
    var notice: String?
    if access(path, W_OK) == 0 {
      database = try Database(path: path, create: false, noFollow: true)
    } else if DatabaseLocation.isOnReadOnlyFilesystem(path) && !DatabaseLocation.hasSharedMemoryFile(path) {
      // After a crash, or for forensics, the filesystem may be mounted
      // read-only: SQLite cannot make the WAL's -shm there, but nothing can
      // change the file either, so it is read as immutable. Records still
      // in a -wal it cannot index without its -shm are not read: said.
      database = try Database(path: path, immutable: true)
      if DatabaseLocation.hasWriteAheadRecords(path) {
        notice =
          "\(path)-wal holds records this read-only filesystem does not let SQLite read without its -shm file; "
          + "the newest runs may be missing"
      }
    } else {
      database = try Database(path: path, readOnly: true, create: false)
    }
    let store = HistoryStore(database: database)
    store.notice = notice
    let version = Int(try database.integerPragma("user_version"))
    if version > Migration.latestVersion {
      throw Migrator.newerSchema(database, found: version, known: Migration.latestVersion)
    }
    // A file a first refresh has only just created holds no schema yet.
    if version == 0 { throw StoreError.noDatabase(path: path) }
    store.schemaVersion = version
    if version < Migration.latestVersion {
      // Read as it is: a reader never migrates (OlderSchema), and writes
      // nothing, so the release that wrote it can still record in it.
      try OlderSchema.shape(database)
      return store
    }
    // What a killed run left in the pending log is added before anything
    // is read (when the file can be written and no live refresh holds it).
    if access(path, W_OK) == 0, let log = pendingLogToRecover(store.files) {
      _ = try? store.recoverPending(from: log)
    }
    return store
  }

  private static func openAndMigrate(_ path: String) throws -> HistoryStore {
    if access(path, F_OK) != 0 {
      // Created here, 0600, so SQLite's -wal and -shm (which copy the
      // database's permissions) are private too.
      _ = try? FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
    }
    let database = try Database(path: path, noFollow: true)
    // Refuse a newer schema before anything (even the journal mode) is written.
    let version = Int(try database.integerPragma("user_version"))
    if version > Migration.latestVersion {
      throw Migrator.newerSchema(database, found: version, known: Migration.latestVersion)
    }
    // "The WAL journaling mode uses a write-ahead log instead of a rollback
    // journal… readers do not block writers and a writer does not block
    // readers." https://sqlite.org/wal.html
    try database.execute("PRAGMA journal_mode = WAL")
    try database.execute("PRAGMA foreign_keys = ON")
    try Migrator.migrate(database)
    // Touch the main table so a damaged file shows itself now, not mid-run.
    _ = try database.firstRow("SELECT max(id) FROM runs") { $0.optionalInt64(0) }
    return HistoryStore(database: database)
  }

  /// Makes the database's directory, 0700, when it does not exist (its
  /// missing parents 0755).
  static func makeDirectory(for path: String) throws {
    guard let slash = path.lastIndex(of: "/") else { return }
    let directory = String(path[..<slash])
    guard !directory.isEmpty, access(directory, F_OK) != 0 else { return }
    var current = directory.hasPrefix("/") ? "" : "."
    for component in directory.split(separator: "/") {
      current += "/" + component
      if access(current, F_OK) == 0 { continue }
      let isLeaf = current.hasSuffix(directory)
      if mkdir(current, isLeaf ? 0o700 : 0o755) != 0 && errno != EEXIST {
        throw StoreError.unusableDirectory(path: current, reason: String(cString: strerror(errno)))
      }
    }
    chmod(directory, 0o700)
  }

  // MARK: - Housekeeping

  /// Whether the process that recorded a run is still that run: same boot,
  /// same pid, same start time, judged only from the same PID namespace.
  public typealias LivenessCheck = (
    _ pid: Int64, _ bootID: String, _ processStart: Int64, _ pidNamespace: String
  ) -> Bool

  /// Marks runs still `running` whose process is gone as `abandoned`, with
  /// the script and phase they were in. Returns how many runs it marked.
  @discardableResult
  public func abandonStaleRuns(isAlive: LivenessCheck) throws -> Int {
    guard !readsOlderSchema else { return 0 }
    let stale = try database.rows(
      "SELECT id, pid, boot_id, process_start, pid_namespace FROM runs WHERE status = ?", [.word(RunStatus.running)],
      { row in isAlive(row.int64(1), row.text(2), row.int64(3), row.text(4)) ? nil : row.int64(0) }
    ).compactMap { $0 }
    guard !stale.isEmpty else { return 0 }
    // The three tables spell "running" and "abandoned" with the same words.
    let (abandoned, running) = (Statement.Value.word(RunStatus.abandoned), Statement.Value.word(RunStatus.running))
    try database.transaction(durable: true) { () throws(SQLiteError) in
      for run in stale {
        for (table, key) in [("runs", "id"), ("scripts", "run_id"), ("phases", "run_id")] {
          try database.statement("UPDATE \(table) SET status = ? WHERE \(key) = ? AND status = ?")
            .run([abandoned, .integer(run), running])
        }
      }
    }
    return stale.count
  }

  /// Starts syncing commits made with `NORMAL` off the calling thread (LogSync).
  /// Our automatic checkpoints are off meanwhile: the sync thread checkpoints.
  func startLogSync(alsoSyncing pending: PendingLog? = nil) {
    guard database.logSync == nil, let sync = LogSync(files: files, alsoSyncing: pending?.descriptor) else {
      return
    }
    database.logSync = sync
    _ = try? database.execute("PRAGMA wal_autocheckpoint = 0")
  }

  /// Something was written that is not synced yet (the pending log): the
  /// sync thread syncs it within its interval.
  func noteUnsyncedWrite() { database.logSync?.notePendingWrite() }

  /// Syncs what is pending and stops the sync thread; automatic checkpoints
  /// are back. Returns why a sync failed, if one did: then the run's
  /// records since are not known to be on disk.
  @discardableResult
  func stopLogSync() -> SystemError? {
    guard let sync = database.logSync else { return nil }
    sync.stop()
    database.logSync = nil
    _ = try? database.execute("PRAGMA wal_autocheckpoint = 1000")
    return sync.syncFailure
  }

  // MARK: - Recording a run

  /// Readies the history for a run: locks the pending log (so no other
  /// refresh or reader takes it for a dead run's), applies what a killed
  /// run left in it, so the runs marked abandoned next have every script
  /// they started, and marks runs whose process is gone abandoned.
  public func prepareForRun(isAlive: LivenessCheck) throws {
    runLog = runLog ?? PendingLog.openForRun(files)
    if let runLog { try recoverPending(from: runLog) }
    try abandonStaleRuns(isAlive: isAlive)
  }

  /// The journal run `runID`'s records are written through: the one write
  /// path from its first phase to its end. Nil when the pending log cannot
  /// be had (another refresh holds it, or it is unsafe) or no writer thread
  /// can be started.
  public func journal(for runID: Int64) -> RunJournal? {
    guard let log = runLog ?? PendingLog.openForRun(files) else { return nil }
    runLog = nil
    return RunJournal(store: self, log: log, runID: runID)
  }

  /// Folds the write-ahead log back into the database and truncates it
  /// (`PRAGMA wal_checkpoint(TRUNCATE)`).
  ///
  /// TRUNCATE "blocks (calls the busy-handler callback) until all readers are
  /// reading from the database file only" (https://sqlite.org/pragma.html#pragma_wal_checkpoint),
  /// so it waits at most 100 ms here: a reader holding an old snapshot only
  /// leaves the WAL for the next run's checkpoint, never delays the refresh.
  public func checkpoint() {
    database.withBusyTimeout(milliseconds: 100) {
      _ = try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
  }

  /// From now on a write that finds the database locked by another process
  /// fails at once instead of waiting the busy timeout.
  public func stopWaitingForLocks() { database.setBusyTimeout(milliseconds: 0) }

  /// Runs `body` as one transaction without syncing to disk: for tools that
  /// load many runs at once (the benchmark's generator), never for recording.
  public func bulkLoad(_ body: () throws -> Void) throws {
    try database.setSynchronous(0)
    try database.execute("BEGIN IMMEDIATE")
    do {
      try body()
      try database.execute("COMMIT")
    } catch {
      _ = try? database.execute("ROLLBACK")
      throw error
    }
  }

  /// `PRAGMA integrity_check`'s answer, "ok" for a sound database.
  public func integrityCheck() throws -> String {
    try database.rows("PRAGMA integrity_check", []) { $0.text(0) }.joined(separator: "\n")
  }

  /// The schema version of the database at `path`, read without changing
  /// anything; nil when there is no file.
  public static func schemaVersionOnDisk(at path: String) throws -> Int? {
    do {
      try DatabaseLocation.checkReadable(path)
    } catch .noDatabase {
      return nil
    }
    let database = try Database(path: path, readOnly: true, create: false)
    return Int(try database.integerPragma("user_version"))
  }

}
