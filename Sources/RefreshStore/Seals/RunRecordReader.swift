import CSQLite
import SystemInterface

/// Every stored content's digest, as `contents.sha256` holds it, by id: read
/// once by `history verify`, so a record's references cost a look-up here,
/// not a query each. The texts lie end to end in one array.
struct ContentDigests: Sendable {
  private var ids: [Int64] = []
  private var ends: [Int] = []
  private var texts: [UInt8] = []
  /// With ids dense enough, each id's index is found at `id - ids[0]` in
  /// this table (-1: no such content) instead of by binary search.
  private var table: [Int32]?

  /// Adds a content; ids must come in ascending order (`contents`' rowid order).
  mutating func append(id: Int64, text: String) {
    ids.append(id)
    texts.append(contentsOf: text.utf8)
    ends.append(texts.count)
  }

  /// Builds the direct table when the ids span at most four times their
  /// count (ids are whatever the file holds: a span that overflows is
  /// simply not dense).
  mutating func finish() {
    guard let first = ids.first, let last = ids.last else { return }
    let (difference, overflow) = last.subtractingReportingOverflow(first)
    guard !overflow, difference < Int64(ids.count) * 4 + 1024 else { return }
    var table = [Int32](repeating: -1, count: Int(difference) + 1)
    for (index, id) in ids.enumerated() { table[Int(id - first)] = Int32(index) }
    self.table = table
  }

  var count: Int { ids.count }

  private func index(of id: Int64) -> Int? {
    guard let first = ids.first else { return nil }
    if let table {
      let (offset, overflow) = id.subtractingReportingOverflow(first)
      guard !overflow, offset >= 0, offset < Int64(table.count) else { return nil }
      let index = table[Int(offset)]
      return index < 0 ? nil : Int(index)
    }
    var (low, high) = (0, ids.count)
    while low < high {
      let middle = (low + high) / 2
      if ids[middle] < id { low = middle + 1 } else { high = middle }
    }
    return low < ids.count && ids[low] == id ? low : nil
  }

  /// Adds content `id`'s digest text to `encoder` as the lookup's subquery
  /// would give it: text, or NULL for a content that is not there.
  func encode(_ id: Int64, into encoder: inout CanonicalEncoder) {
    guard let index = index(of: id) else { return encoder.append(0) }
    let start = index == 0 ? 0 : ends[index - 1]
    texts.withUnsafeBytes { encoder.append(2, sized: UnsafeRawBufferPointer(rebasing: $0[start..<ends[index]])) }
  }
}

/// Digests run records in ``RunRecord``'s format, the one encoder of it:
/// sealing reads references through the sections' subqueries; `history
/// verify`, which digests many, looks them up in the digests it read once
/// (the columns ``RunRecord/sectionsByContentID`` names `content:…`). Each
/// section's statement is prepared once.
final class RunRecordReader {
  private struct Section {
    let name: [UInt8]
    let statement: Statement
    let parameters: Int
    /// For each column, whether it is a content reference.
    let references: [Bool]
  }
  private let sections: [Section]
  private let contents: ContentDigests?

  /// Without `contents` (sealing, or too many to keep), references are
  /// looked up by the sections' subqueries.
  init(database: Database, contents: ContentDigests?) throws(SQLiteError) {
    var sections: [Section] = []
    for section in contents == nil ? RunRecord.sections : RunRecord.sectionsByContentID {
      let statement = try database.statement(section.sql)
      let references = statement.columnIndexes { $0.hasPrefix("content:") }
      sections.append(
        Section(
          name: Array(section.name.utf8) + [0], statement: statement, parameters: statement.parameterCount,
          references: (0..<statement.columnCount).map { references.contains($0) }))
    }
    (self.sections, self.contents) = (sections, contents)
  }

  /// The digest of run `run`'s record, sealed at `position`.
  func digest(run: Int64, position: Int64) throws(SQLiteError) -> [UInt8] {
    var encoder = CanonicalEncoder()
    encoder.append(Array("orc-run-record/\(RunRecord.format)".utf8))
    for section in sections {
      encoder.append(section.name)
      let statement = section.statement
      try statement.bind(Array([.integer(run), .integer(position)].prefix(section.parameters)))
      defer { statement.reset() }
      while try statement.step() {
        encoder.append(0x52)
        for (column, isReference) in section.references.enumerated() {
          let index = Int32(column)
          if isReference, let contents {
            if statement.isNull(index) {
              encoder.append(0)
            } else {
              contents.encode(statement.int64(index), into: &encoder)
            }
          } else {
            statement.feed(index, into: &encoder)
          }
        }
      }
      encoder.append(0x45)
    }
    return encoder.finalize()
  }
}

extension HistoryStore {
  /// The record digest of each of `seals`, by position: on two threads,
  /// each with its own connection, when the machine has two cores and the
  /// second connection's snapshot is this one's (a refresh that seals or
  /// prunes between the two starts would make them differ: it is tried
  /// again, then this thread does all).
  func recordDigests(of seals: [RunSeal], contents: ContentDigests?) throws -> [Int64: [UInt8]] {
    let jobs = seals.map { RecordJob(run: $0.run, position: $0.position) }
    let split = sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 && jobs.count > 1 ? jobs.count / 2 : jobs.count
    let shared = Array(jobs[split...])
    var other: Background<[[UInt8]]?>?
    if !shared.isEmpty {
      let snapshot = try Self.snapshot(of: database)
      let sibling = Connection(database: try database.sibling())
      other = Background { Self.digests(of: shared, on: sibling, contents: contents, snapshot: snapshot) }
    }
    let reader = try RunRecordReader(database: database, contents: contents)
    var digests: [Int64: [UInt8]] = [:]
    for job in jobs[..<split] { digests[job.position] = try reader.digest(run: job.run, position: job.position) }
    let theirs =
      try other?.value
      ?? shared.map { job throws(SQLiteError) in try reader.digest(run: job.run, position: job.position) }
    for (job, digest) in zip(shared, theirs) { digests[job.position] = digest }
    return digests
  }

  struct RecordJob: Sendable {
    let run: Int64
    let position: Int64
  }

  /// A connection handed to the thread that alone uses it from then on.
  final class Connection: @unchecked Sendable {
    let database: Database
    init(database: Database) { self.database = database }
  }

  /// What a refresh changes when it seals or prunes: two connections that
  /// read the same here read the same sealed records.
  static func snapshot(of database: Database) throws(SQLiteError) -> [Int64] {
    try database.firstRow(
      """
      SELECT (SELECT next_position FROM seal_state), (SELECT count(*) FROM seal_gaps),
        (SELECT coalesce(max(last_position), -1) FROM seal_gaps), (SELECT count(*) FROM run_seals),
        (SELECT count(*) FROM runs), (SELECT coalesce(max(id), 0) FROM runs), (SELECT coalesce(max(id), 0) FROM contents)
      """
    ) { row in (0..<7).map { row.int64(Int32($0)) } } ?? []
  }

  /// `jobs`' record digests read on `connection` (this thread's alone), in
  /// a read transaction whose snapshot is `snapshot`; nil when three tries
  /// found another, or on an error (the caller's thread then does them).
  static func digests(
    of jobs: [RecordJob], on connection: Connection, contents: ContentDigests?, snapshot: [Int64]
  ) -> [[UInt8]]? {
    let database = connection.database
    for _ in 0..<3 {
      let digests = try? database.readTransaction { () throws -> [[UInt8]]? in
        guard try Self.snapshot(of: database) == snapshot else { return nil }
        let reader = try RunRecordReader(database: database, contents: contents)
        return try jobs.map { job throws(SQLiteError) in try reader.digest(run: job.run, position: job.position) }
      }
      if let digests { return digests }
    }
    return nil
  }
}
