import ContentEncoding
import RefreshVocabulary

/// What `history verify` found.
public struct SealVerification: Sendable, Equatable {
  /// One thing wrong, with the run it is about (nil: none can be named).
  public struct Problem: Sendable, Equatable {
    public enum Kind: String, Sendable {
      /// The run's record differs from what was sealed, or its seal does not follow from the run before.
      case altered
      /// A sealed run is gone, with no trace of retention.
      case missingRun = "missing_run"
      /// A run ended but was never sealed.
      case unsealed
      /// A stored content differs from its digest.
      case contentMismatch = "content_mismatch"
      /// A seal differs from the one a witness saw leave the node.
      case witnessMismatch = "witness_mismatch"
      /// A seal was not made under the key the verification key evolves into.
      case keyMismatch = "key_mismatch"
    }
    public let run: Int64?
    public let kind: Kind
    public let detail: String
  }

  /// Sealed runs checked.
  public var runsChecked = 0
  /// Runs recorded before the history was sealed (not checked, not broken).
  public var recordedBeforeSealing = 0
  /// Stretches pruned since the newest run was sealed (sealed by the next).
  public var unsealedPrunes = 0
  /// Whether the seals' MACs were checked with the initial verification key.
  public var keyChecked = false
  /// Seals a witness held that were compared with the history's; nil without a witness.
  public var witnessSeals: Int?
  /// Whether the initial verification key is still on the node (`history seal-key` not run).
  public var initialKeyOnNode = false
  public var problems: [Problem] = []

  public var ok: Bool { problems.isEmpty }
  /// The first run named by a problem.
  public var firstBrokenRun: Int64? { problems.compactMap(\.run).min() }
}

extension HistoryStore {
  /// Recomputes every seal and the chain from the first sealed run (or the
  /// gap retention left before it) on, checks every stored content against
  /// its digest and, given the initial verification key, every seal's MAC.
  ///
  /// `witness` holds seals seen off the node, by run: each must be the
  /// history's, and a run it saw must still be there unless retention
  /// removed it (older than every run kept).
  public func verifySeals(initialKey: [UInt8]?, witness: [Int64: String]? = nil) throws -> SealVerification {
    // In one snapshot: a refresh pruning meanwhile is not taken for a deletion.
    return try database.readTransaction { try verifySealsInSnapshot(initialKey: initialKey, witness: witness) }
  }

  private func verifySealsInSnapshot(initialKey: [UInt8]?, witness: [Int64: String]?) throws -> SealVerification {
    var report = SealVerification()
    guard let state = try sealState() else {
      report.recordedBeforeSealing = Int(try database.firstRow("SELECT count(*) FROM runs") { $0.int64(0) } ?? 0)
      return report
    }
    report.initialKeyOnNode = state.keyShownAt == nil && state.keyCreatedAt != nil
    let runs = Dictionary(
      uniqueKeysWithValues: try database.rows("SELECT id, status FROM runs") { ($0.int64(0), $0.text(1)) })
    report.recordedBeforeSealing = runs.keys.filter { $0 < state.firstRun }.count
    let seals = try database.rows(RunSeal.columns + " ORDER BY position", [], RunSeal.init(row:))
    let gaps = Dictionary(
      uniqueKeysWithValues: try database.rows("SELECT last_position, chain, mac, sealed_by FROM seal_gaps") {
        ($0.int64(0), (chain: $0.text(1), mac: $0.text(2), sealed: !$0.isNull(3)))
      })
    report.unsealedPrunes = gaps.values.filter { !$0.sealed }.count
    let contents = try checkContents()
    let records = try recordDigests(
      of: seals.filter { runs[$0.run] != nil && $0.format == RunRecord.format }, contents: contents.digests)
    var walk = ChainWalk(runs: runs, gaps: gaps, key: initialKey.map { SealKey(position: 0, bytes: $0) })
    report.keyChecked = initialKey != nil
    for seal in seals { walk.check(seal, record: records[seal.position]) }
    report.runsChecked = seals.count
    report.problems = walk.problems
    let sealed = Set(seals.map(\.run))
    // Runs are sealed in order: a running one, and any after it, wait.
    let firstRunning = runs.filter { $0.value == RunStatus.running.rawValue }.keys.min() ?? .max
    for run in runs.keys.sorted() where run >= state.firstRun && run < firstRunning && !sealed.contains(run) {
      report.problems.append(.init(run: run, kind: .unsealed, detail: "it ended but was never sealed"))
    }
    if let witness {
      report.witnessSeals = witness.count
      report.problems += Self.witnessProblems(witness, seals: seals, runs: runs)
    }
    report.problems += contents.problems
    report.problems.sort { ($0.run ?? .max, $0.kind.rawValue) < ($1.run ?? .max, $1.kind.rawValue) }
    return report
  }

  private static func witnessProblems(
    _ witness: [Int64: String], seals: [RunSeal], runs: [Int64: String]
  ) -> [SealVerification.Problem] {
    let stored = Dictionary(uniqueKeysWithValues: seals.map { ($0.run, $0.mac) })
    let oldestKept = seals.map(\.run).min() ?? .max
    return witness.keys.sorted().compactMap { run in
      let seen = witness[run] ?? ""
      if let mac = stored[run] {
        guard mac != seen else { return nil }
        let detail = "its seal \(mac.prefix(16)) is not the \(seen.prefix(16)) the witness saw leave the node"
        return .init(run: run, kind: .witnessMismatch, detail: detail)
      }
      guard run > oldestKept else { return nil }
      let detail =
        runs[run] == nil
        ? "the witness saw it sealed; it is gone" : "the witness saw it sealed; the history holds no seal for it"
      return .init(run: run, kind: runs[run] == nil ? .missingRun : .witnessMismatch, detail: detail)
    }
  }

  /// How many contents' digests `verify` keeps in memory to digest records
  /// (about 100 bytes each); beyond, records look each one up.
  static let contentDigestsKept = 1_000_000

  /// Each stored content whose bytes differ from its digest, named by the
  /// runs that refer to it; and every content's digest by id, when there
  /// are at most ``contentDigestsKept``.
  private func checkContents() throws -> (problems: [SealVerification.Problem], digests: ContentDigests?) {
    var bad: [(id: Int64, sha256: String)] = []
    var digests: ContentDigests? = ContentDigests()
    // In rowid order: the digests' ids come ascending.
    let statement = try database.statement("SELECT id, sha256, data FROM contents ORDER BY id")
    defer { statement.reset() }
    while try statement.step() {
      var hasher = SHA256Hasher()
      statement.feedBlob(2, into: &hasher)
      let stored = statement.text(1)
      if ContentDigest.hex(hasher.finalize()) != stored { bad.append((statement.int64(0), stored)) }
      if let kept = digests?.count, kept < Self.contentDigestsKept {
        digests?.append(id: statement.int64(0), text: stored)
      } else {
        digests = nil
      }
    }
    digests?.finish()
    return (try problems(of: bad), digests)
  }

  private func problems(of bad: [(id: Int64, sha256: String)]) throws -> [SealVerification.Problem] {
    var problems: [SealVerification.Problem] = []
    for content in bad {
      let runs = try database.rows(
        """
        SELECT run_id FROM run_inputs WHERE content_id = ?1 UNION SELECT run_id FROM input_chunks WHERE content_id = ?1
        UNION SELECT run_id FROM scripts WHERE ?1 IN (content_id, stdout_head, stdout_tail, stderr_head, stderr_tail)
        UNION SELECT run_id FROM file_changes WHERE content_id = ?1 ORDER BY 1
        """, [.integer(content.id)], { $0.int64(0) })
      let detail = "a stored content differs from its digest \(content.sha256.prefix(12))"
      problems +=
        runs.isEmpty
        ? [.init(run: nil, kind: .contentMismatch, detail: detail)]
        : runs.map {
          .init(run: $0, kind: .contentMismatch, detail: detail)
        }
    }
    return problems
  }
}

/// The seals walked in position order, each checked against the link
/// before it, its run's record and, given one, the key of its position.
private struct ChainWalk {
  typealias Problem = SealVerification.Problem
  let runs: [Int64: String]
  let gaps: [Int64: (chain: String, mac: String, sealed: Bool)]
  var key: SealKey?
  var previous: (position: Int64, run: Int64, chain: String)?
  var problems: [Problem] = []

  init(runs: [Int64: String], gaps: [Int64: (chain: String, mac: String, sealed: Bool)], key: SealKey?) {
    (self.runs, self.gaps, self.key) = (runs, gaps, key)
  }

  /// Checks `seal`, whose run's record digests to `record` now (nil when
  /// its run is gone or its format unknown: both are named here).
  mutating func check(_ seal: RunSeal, record: [UInt8]?) {
    if key != nil, seal.position > SealKey.furthestPosition {
      let detail = "sealed at position \(seal.position), past the \(SealKey.furthestPosition) verify derives keys for"
      problems.append(.init(run: seal.run, kind: .keyMismatch, detail: detail))
      key = nil
    }
    let expected = link(before: seal)
    if let before = previous?.run, before >= seal.run {
      problems.append(.init(run: seal.run, kind: .altered, detail: "sealed after run \(before) but numbered before it"))
    }
    defer { previous = (seal.position, seal.run, seal.chain) }
    guard runs[seal.run] != nil else {
      problems.append(
        .init(run: seal.run, kind: .missingRun, detail: "sealed at position \(seal.position), it is gone"))
      return
    }
    guard seal.format == RunRecord.format else {
      let detail = "sealed in format \(seal.format), which this binary does not know"
      problems.append(.init(run: seal.run, kind: .altered, detail: detail))
      return
    }
    guard let record else { return }
    if ContentDigest.hex(record) != seal.recordSHA256 {
      let detail = "its record differs from the one sealed at position \(seal.position)"
      problems.append(.init(run: seal.run, kind: .altered, detail: detail))
    } else if let expected, ContentDigest.hex(RunRecord.chain(previous: expected, record: record)) != seal.chain {
      let detail = "its seal does not follow from the run sealed before it"
      problems.append(.init(run: seal.run, kind: .altered, detail: detail))
    }
    if let current = key {
      key = current.advanced(to: seal.position)
      if key?.mac(ContentDigest.bytes(fromHex: seal.chain) ?? []) != seal.mac {
        let detail = "its seal was not made under the verification key's chain"
        problems.append(.init(run: seal.run, kind: .keyMismatch, detail: detail))
      }
    }
  }

  /// The chain value `seal` must follow: the run sealed before it, or the
  /// gap a prune left there; nil (named once) when neither is there.
  private mutating func link(before seal: RunSeal) -> [UInt8]? {
    guard seal.position > 0 else { return [UInt8](repeating: 0, count: 32) }
    if let previous, previous.position == seal.position - 1 { return ContentDigest.bytes(fromHex: previous.chain) }
    guard let gap = gaps[seal.position - 1] else {
      let after = previous.map { "after run \($0.run)" } ?? "before it"
      let detail = "the run sealed at position \(seal.position - 1), \(after), is gone with no trace of a prune"
      problems.append(.init(run: seal.run, kind: .missingRun, detail: detail))
      return nil
    }
    let chain = ContentDigest.bytes(fromHex: gap.chain) ?? []
    if let key, key.advanced(to: seal.position - 1).mac(chain) != gap.mac {
      let detail = "the prune before it left a seal not made under the key"
      problems.append(.init(run: seal.run, kind: .keyMismatch, detail: detail))
    }
    return chain
  }
}
