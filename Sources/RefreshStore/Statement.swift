import CSQLite
import ContentEncoding

/// The destructor SQLite is told to use for bound text and blobs: copy them now.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement, owned by its ``Database`` and finalized with it.
package final class Statement {
  private let handle: OpaquePointer
  private unowned let database: Database
  /// The statement's SQL.
  package let sql: String

  init(handle: OpaquePointer, database: Database, sql: String) {
    self.handle = handle
    self.database = database
    self.sql = sql
  }

  deinit { sqlite3_finalize(handle) }

  /// Clears the bindings and rewinds the statement for another use.
  func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  // MARK: - Binding

  /// A value bound to a parameter.
  package enum Value: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
  }

  /// Binds `values` to the parameters 1…n, in order.
  @discardableResult
  package func bind(_ values: [Value]) throws(SQLiteError) -> Statement {
    for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    return self
  }

  /// Binds values to named parameters (`:name`); every name must occur in the SQL.
  @discardableResult
  package func bind(named values: [(String, Value)]) throws(SQLiteError) -> Statement {
    for (name, value) in values {
      let index = sqlite3_bind_parameter_index(handle, name)
      guard index > 0 else {
        throw SQLiteError(extendedCode: SQLITE_RANGE, message: "no parameter \(name)", sql: sql)
      }
      try bind(value, at: index)
    }
    return self
  }

  private func bind(_ value: Value, at index: Int32) throws(SQLiteError) {
    let status: Int32
    switch value {
    case .null: status = sqlite3_bind_null(handle, index)
    case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
    case .text(let text): status = bind(text, at: index)
    case .blob(let bytes):
      status = bytes.withUnsafeBytes {
        sqlite3_bind_blob64(
          handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64($0.count), transient)
      }
    }
    // The connection is reached only for an error: each reach of an
    // `unowned` reference is a retain and a release, and a file change
    // binds twenty values.
    if status != SQLITE_OK { try database.check(status, sql: sql) }
  }

  /// Binds `text` as it is stored in the string (a short one, kept inside
  /// the string itself, is not copied to the heap first), up to its first
  /// NUL as SQLite would read a C string.
  private func bind(_ text: String, at index: Int32) -> Int32 {
    let status = text.utf8.withContiguousStorageIfAvailable { bytes -> Int32 in
      let count = bytes.firstIndex(of: 0) ?? bytes.count
      guard count > 0, let start = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
      return start.withMemoryRebound(to: CChar.self, capacity: count) {
        sqlite3_bind_text64(handle, index, $0, UInt64(count), transient, UInt8(SQLITE_UTF8))
      }
    }
    return status ?? sqlite3_bind_text(handle, index, text, -1, transient)
  }

  /// Binds `values` and runs the statement to its end.
  package func run(_ values: [Value] = []) throws(SQLiteError) {
    try bind(values)
    while try step() {}
  }

  /// Advances to the next row; false when there are no more.
  package func step() throws(SQLiteError) -> Bool {
    try database.check(sqlite3_step(handle), sql: sql) == SQLITE_ROW
  }

  // MARK: - Columns

  /// Whether column `index` is NULL in the current row.
  package func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

  /// Column `index` as an integer.
  package func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

  /// Column `index` as an integer, or nil when NULL.
  package func optionalInt64(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }

  /// Column `index` as text ("" when NULL).
  package func text(_ index: Int32) -> String {
    guard let pointer = sqlite3_column_text(handle, index) else { return "" }
    let count = Int(sqlite3_column_bytes(handle, index))
    return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
  }

  /// Column `index` as text, or nil when NULL.
  package func optionalText(_ index: Int32) -> String? { isNull(index) ? nil : text(index) }

  /// Column `index` as one of the history's words (a status, a phase).
  /// - Throws: ``SQLiteError`` (SQLITE_MISMATCH) naming the column and the
  ///   value when the text is none of the word's cases.
  package func word<Word: RawRepresentable>(_ index: Int32, as: Word.Type = Word.self) throws(SQLiteError) -> Word
  where Word.RawValue == String {
    let value = text(index)
    guard let word = Word(rawValue: value) else {
      let column = String(cString: sqlite3_column_name(handle, index))
      throw SQLiteError(
        extendedCode: SQLITE_MISMATCH, message: "unexpected value '\(value)' in column \(column)", sql: sql)
    }
    return word
  }

  /// Column `index` as a word, or nil when NULL.
  package func optionalWord<Word: RawRepresentable>(_ index: Int32, as: Word.Type = Word.self) throws(SQLiteError)
    -> Word?
  where Word.RawValue == String {
    isNull(index) ? nil : try word(index, as: Word.self)
  }

  /// Column `index` as bytes.
  /// Appends column `index`'s bytes to `bytes`, copied once.
  package func appendBlob(_ index: Int32, to bytes: inout [UInt8]) {
    let count = Int(sqlite3_column_bytes(handle, index))
    guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return }
    bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
  }

  package func blob(_ index: Int32) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(handle, index))
    guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  /// The largest parameter index the statement uses (?NNN).
  package var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

  /// The indexes of the columns whose names satisfy `matches`.
  package func columnIndexes(where matches: (String) -> Bool) -> Set<Int32> {
    Set((0..<columnCount).filter { sqlite3_column_name(handle, $0).map { matches(String(cString: $0)) } ?? false })
  }

  /// How many columns a row of this statement has.
  package var columnCount: Int32 { sqlite3_column_count(handle) }

  /// Adds column `index` to `encoder` in the seals' canonical encoding: a
  /// type byte (0 NULL, 1 integer, 2 text, 3 blob, 4 real), then an integer
  /// as 8 bytes big-endian, text and blobs as their length (8 bytes
  /// big-endian) and bytes, a real as its IEEE 754 bits.
  package func feed(_ index: Int32, into encoder: inout CanonicalEncoder) {
    switch sqlite3_column_type(handle, index) {
    case SQLITE_NULL: encoder.append(0)
    case SQLITE_INTEGER: encoder.append(1, UInt64(bitPattern: sqlite3_column_int64(handle, index)))
    case SQLITE_FLOAT: encoder.append(4, sqlite3_column_double(handle, index).bitPattern)
    case let type:
      let text = type == SQLITE_TEXT
      let pointer = text ? UnsafeRawPointer(sqlite3_column_text(handle, index)) : sqlite3_column_blob(handle, index)
      let count = Int(sqlite3_column_bytes(handle, index))
      encoder.append(text ? 2 : 3, sized: UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }
  }

  /// Adds column `index`'s bytes, as they are, to `hasher`.
  package func feedBlob(_ index: Int32, into hasher: inout SHA256Hasher) {
    let count = Int(sqlite3_column_bytes(handle, index))
    guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return }
    hasher.update(UnsafeRawBufferPointer(start: pointer, count: count))
  }
}
