import RefreshStore

/// How the recorder writes script records: to the pending log, one write
/// before each script is executed (the end of the script before it with the
/// start of the next), and through the ``PendingWriter`` thread into the
/// database, so no SQLite work and no fsync sits between one script's exit
/// and the next one's exec.
final class ScriptJournal {
  let log: PendingLog
  private let writer: PendingWriter
  private var sequence: Int64 = 0
  /// Records a failed append left (a full disk): written first by the next
  /// append, within 64 MiB of records in all.
  private var unwritten: [LogRecord] = []
  private var unwrittenBytes = 0

  init?(log: PendingLog, databasePath: String) {
    guard let writer = PendingWriter(databasePath: databasePath) else { return nil }
    self.log = log
    self.writer = writer
  }

  /// The next record's sequence number within the run.
  func nextSequence() -> Int64 {
    sequence += 1
    return sequence
  }

  /// Appends `records` after any a failed append left. Returns false when
  /// they could not be written: they are kept for the next append.
  func append(_ records: [LogRecord]) -> Bool {
    let batch = unwritten + records
    guard log.append(batch) else {
      for record in records {
        let size = Self.size(record)
        guard unwrittenBytes + size <= 64 << 20 else { break }
        unwritten.append(record)
        unwrittenBytes += size
      }
      return false
    }
    unwritten.removeAll()
    unwrittenBytes = 0
    writer.submit(batch)
    return true
  }

  /// Why the writer thread stopped applying records, once it has.
  var writerFailure: String? { writer.failed }

  /// Waits for the writer to apply everything; whether it did.
  func finish() -> Bool {
    let drained = writer.drain()
    writer.stop()
    return drained && unwritten.isEmpty
  }

  private static func size(_ record: LogRecord) -> Int {
    switch record {
    case .scriptStart(_, let start): (start.content?.count ?? 0) + start.path.utf8.count + 64
    case .scriptEnd(_, _, _, let end):
      [end.stdout, end.stderr].reduce(64) { $0 + $1.head.count + $1.tail.count }
    case .phase, .runEnd: 64
    case .environmentFailure(_, _, _, let failure): failure.output.count + 64
    }
  }
}
