import ContentEncoding
import RefreshVocabulary
import SystemInterface

/// One run's seal (docs/history.md, "Sealed runs").
public struct RunSeal: Sendable, Equatable {
  public let run: Int64
  /// Its place in the chain: 0 for the first run sealed, one more for each.
  public let position: Int64
  /// The canonical encoding's format.
  public let format: Int64
  /// The SHA-256 of the run's record, of its chain value, and the chain
  /// value's MAC under the key of its position (the seal itself), in hex.
  public let recordSHA256: String
  public let chain: String
  public let mac: String
  public let sealedAt: Int64

  /// The columns ``init(row:)`` reads, from `run_seals`.
  static let columns = "SELECT run_id, position, format, record_sha256, chain, mac, sealed_at FROM run_seals"

  init(row: Statement) {
    (run, position, format) = (row.int64(0), row.int64(1), row.int64(2))
    (recordSHA256, chain, mac, sealedAt) = (row.text(3), row.text(4), row.text(5), row.int64(6))
  }

  init(run: Int64, position: Int64, record: [UInt8], chain: [UInt8], mac: String, sealedAt: Int64) {
    (self.run, self.position, format) = (run, position, RunRecord.format)
    (recordSHA256, self.chain, self.mac, self.sealedAt) = (
      ContentDigest.hex(record), ContentDigest.hex(chain), mac, sealedAt
    )
  }
}

extension HistoryStore {
  /// Where sealing stands; nil in a history of an older schema.
  struct SealState {
    let firstRun: Int64
    let nextPosition: Int64
    let keyCreatedAt: Int64?
    let keyShownAt: Int64?
  }

  func sealState() throws(SQLiteError) -> SealState? {
    guard !readsOlderSchema else { return nil }
    return try database.firstRow("SELECT first_run, next_position, key_created_at, key_shown_at FROM seal_state") {
      SealState(
        firstRun: $0.int64(0), nextPosition: $0.int64(1), keyCreatedAt: $0.optionalInt64(2),
        keyShownAt: $0.optionalInt64(3))
    }
  }

  /// Whether the history seals its runs (its schema has seals).
  public var isSealed: Bool { (try? sealState()) != nil }

  /// Seals every run that ended and is not sealed yet, oldest first (a run
  /// still running stops it: runs are sealed in order), in one durable
  /// transaction with their chain, then moves the key file on past them.
  ///
  /// A refresh seals at its start and end, and a reader when it marks runs
  /// abandoned: the state, the runs and the key are read under the write
  /// lock, so two sealers seal one after the other, never the same
  /// position twice; the key file only ever moves forward
  /// (``SealKey/overwrite(_:)``).
  ///
  /// A crash between the commit and the key's move leaves the key behind
  /// the history: the next call derives it forward. A key file ahead of
  /// the history, missing, damaged, a link or another user's is one clear
  /// error and no seal: the history is never re-keyed.
  @discardableResult
  public func sealEndedRuns(now: Int64) throws -> [RunSeal] {
    // Most calls find nothing to seal: they take no write lock.
    guard let state = try sealState(), !(try endedUnsealedRuns(state)).isEmpty else { return [] }
    var seals: [RunSeal] = []
    var keyProblem: (any Error)?
    var next: SealKey?
    try database.transaction(durable: true) { () throws(SQLiteError) in
      guard let state = try sealState() else { return }
      let ended = try endedUnsealedRuns(state)
      guard !ended.isEmpty else { return }
      var key: SealKey
      do {
        key = try currentSealKey(state, now: now)
      } catch {
        keyProblem = error
        return
      }
      var previous = try chainBefore(position: key.position) ?? [UInt8](repeating: 0, count: 32)
      let reader = try RunRecordReader(database: database, contents: nil)
      try database.statement("UPDATE seal_gaps SET sealed_by = ? WHERE sealed_by IS NULL").run([.integer(key.position)])
      for run in ended {
        let record = try reader.digest(run: run, position: key.position)
        let chain = RunRecord.chain(previous: previous, record: record)
        let seal = RunSeal(
          run: run, position: key.position, record: record, chain: chain, mac: key.mac(chain), sealedAt: now)
        try database.statement(
          """
          INSERT INTO run_seals (run_id, position, format, record_sha256, chain, mac, sealed_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """
        ).run([
          .integer(run), .integer(seal.position), .integer(seal.format), .text(seal.recordSHA256), .text(seal.chain),
          .text(seal.mac), .integer(now),
        ])
        seals.append(seal)
        previous = chain
        key = key.next()
      }
      try database.statement("UPDATE seal_state SET next_position = ?").run([.integer(key.position)])
      next = key
    }
    if let keyProblem { throw keyProblem }
    // The old key is overwritten: no one can seal these runs again.
    try next?.overwrite(files.sealKey)
    return seals
  }

  /// The runs that ended since the newest sealed one, up to the first still running.
  private func endedUnsealedRuns(_ state: SealState) throws(SQLiteError) -> [Int64] {
    var ended: [Int64] = []
    for (run, status) in try database.rows(
      "SELECT id, status FROM runs WHERE id > (SELECT coalesce(max(run_id), ?1 - 1) FROM run_seals) ORDER BY id",
      [.integer(state.firstRun)], { row throws(SQLiteError) in (row.int64(0), row.text(1)) })
    {
      guard status != RunStatus.running.rawValue else { break }
      ended.append(run)
    }
    return ended
  }

  /// The key of the next position: made with the first seal (with the
  /// initial verification key beside it, for `history seal-key`), else read
  /// and, after a crash between a seal and the key's move, derived forward.
  private func currentSealKey(_ state: SealState, now: Int64) throws -> SealKey {
    guard state.keyCreatedAt != nil else {
      // No run was ever sealed under a key: making the first is not re-keying.
      let key = SealKey.random()
      try key.write(to: files.initialSealKey)
      try key.write(to: files.sealKey)
      try database.transaction(durable: true) { () throws(SQLiteError) in
        try database.statement("UPDATE seal_state SET key_created_at = ?").run([.integer(now)])
      }
      return key
    }
    let key = try SealKey.read(files.sealKey)
    guard key.position <= state.nextPosition else {
      throw StoreError.sealKey(
        path: files.sealKey,
        reason:
          "it is at position \(key.position), past the history's \(state.nextPosition) (a key from another history?)")
    }
    // Behind after a crash between a seal's commit and the key's move: by
    // the seals made since, which are all still there (no prune comes
    // between). More would be a history altered to make this derive for ever.
    if key.position < state.nextPosition {
      let made =
        try database.firstRow(
          """
          SELECT (SELECT count(*) FROM run_seals WHERE position >= ?1)
            + (SELECT count(*) FROM seal_gaps WHERE last_position >= ?1)
          """, [.integer(key.position)], { $0.int64(0) }) ?? 0
      guard state.nextPosition - key.position <= made else {
        throw StoreError.sealKey(
          path: files.sealKey,
          reason:
            "it is at position \(key.position), and the history's next is \(state.nextPosition) with only \(made) "
            + "seals made since (an altered history?)")
      }
    }
    return key.advanced(to: state.nextPosition)
  }

  /// The chain value at `position - 1`: its run's seal, or the gap a prune
  /// left there; nil at position 0 or when neither is there.
  func chainBefore(position: Int64) throws(SQLiteError) -> [UInt8]? {
    guard position > 0 else { return nil }
    let hex = try database.firstRow(
      """
      SELECT chain FROM run_seals WHERE position = ?1
      UNION ALL SELECT chain FROM seal_gaps WHERE last_position = ?1 LIMIT 1
      """, [.integer(position - 1)], { $0.text(0) })
    return hex.flatMap(ContentDigest.bytes(fromHex:))
  }

  /// Run `run`'s seal, nil when it has none.
  public func seal(of run: Int64) throws -> RunSeal? {
    guard !readsOlderSchema else { return nil }
    return try database.firstRow(RunSeal.columns + " WHERE run_id = ?", [.integer(run)], RunSeal.init(row:))
  }

  /// Hands the initial verification key to `show` once: when it returns
  /// true (shown), the key is marked shown and its file removed, so it
  /// never leaves the node twice. Made first when no run was sealed yet.
  public func showInitialSealKey(now: Int64, _ show: ([UInt8]) -> Bool) throws -> Bool {
    guard var state = try sealState() else {
      throw StoreError.sealKey(
        path: files.sealKey, reason: "the history predates sealing (run a refresh to migrate it)")
    }
    if let shown = state.keyShownAt {
      throw StoreError.sealKey(
        path: files.initialSealKey,
        reason: "the initial key was shown at \(Timestamp.utcISO8601(shown)) and is no longer on this node")
    }
    if state.keyCreatedAt == nil {
      _ = try currentSealKey(state, now: now)
      state = try sealState() ?? state
    }
    let key = try SealKey.read(files.initialSealKey)
    guard key.position == 0, show(key.bytes) else { return false }
    try database.transaction(durable: true) { () throws(SQLiteError) in
      try database.statement("UPDATE seal_state SET key_shown_at = ?").run([.integer(now)])
    }
    unlink(files.initialSealKey)
    return true
  }
}
