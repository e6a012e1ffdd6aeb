import SystemInterface

/// The pending log between runs: what a killed run left in it, and a file
/// at its name that is not ours.
extension HistoryStore {
  /// Applies what a run left in the pending log (killed before its writer
  /// caught up), durably, then empties the log. Returns how many records
  /// were applied; records of runs no longer in the database, or already
  /// applied, are passed over.
  @discardableResult
  public func recoverPending(from log: PendingLog, batchBytes: Int = 8 << 20) throws -> Int {
    // Batch by batch, each applied durably: a log of any size is recovered
    // in the memory of one batch, and a recovery cut short starts again
    // where the database stands (runs.logged_through).
    var applied: [Int64: Int64?] = [:]
    var rows: [Int64: Int64] = [:]
    var count = 0
    try log.forEachBatch(byteLimit: batchBytes) { records in
      for run in Set(records.map(\.runID)) where applied[run] == nil {
        applied[run] = .some(
          try database.firstRow("SELECT logged_through FROM runs WHERE id = ?", [.integer(run)]) {
            row throws(SQLiteError) in row.int64(0)
          })
      }
      let fresh = records.filter { record in applied[record.runID].flatMap { $0 }.map { record.sequence > $0 } ?? false
      }
      try writer.apply(fresh, rows: &rows, durable: true)
      count += fresh.count
    }
    log.empty()
    return count
  }

  /// A dead run's pending log, locked, when there is one with records:
  /// nil when it is empty or absent, or a live refresh holds it.
  static func pendingLogToRecover(_ files: HistoryFiles) -> PendingLog? {
    var info = stat()
    guard lstat(files.pendingLog, &info) == 0, info.st_size > 0 else { return nil }
    return PendingLog.openForRun(files)
  }

  /// Moves a pending log that is not a private regular file of ours (a hard
  /// link to another file, a FIFO, a directory, another owner's) aside as
  /// `PATH.unsafe-<UTC time>`, so the run gets a new one and its scripts are
  /// recorded; nothing is read from or written through it. Returns where it
  /// went and why, or nil when it is sound (or absent). Called with the
  /// history's refresh lock held; the directory is ours and 0700.
  public func setAsideForeignJournalFile(now: Int64) -> (path: String, reason: String)? {
    var info = stat()
    guard lstat(files.pendingLog, &info) == 0, let reason = PendingLog.foreignReason(info) else { return nil }
    let target = files.pendingLog + ".unsafe-" + Timestamp.compactUTC(now)
    guard rename(files.pendingLog, target) == 0 else { return nil }
    return (target, reason)
  }
}
