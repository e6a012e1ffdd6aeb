import TestSupport
import Testing

@testable import RefreshStore

/// Text is bound from the string's own bytes: what is stored is what a C
/// string of it would have been (SQLite's reading of `-1` as the length).
@Suite struct StatementBindingTests {
  let folder = TemporaryDirectory("orc-sqlite-binding")

  /// Each text read back as it was bound, its type and byte count with it.
  private func roundTrip(_ texts: [String]) throws -> [(type: String, bytes: Int64, text: String?)] {
    let database = try Database(path: folder.url("binding.sqlite"))
    try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x)")
    for text in texts { try database.statement("INSERT INTO t (x) VALUES (?)").run([.text(text)]) }
    return try database.rows("SELECT typeof(x), length(CAST(x AS BLOB)), x FROM t ORDER BY id") {
      ($0.text(0), $0.int64(1), $0.optionalText(2))
    }
  }

  @Test func shortLongEmptyAndNonASCIITextIsStoredAsItIs() throws {
    let long = String(repeating: "/etc/nova/nova.conf ", count: 40)
    let texts = ["", "created", "during_run", "ünïcødé ✓", long, "x"]
    let stored = try roundTrip(texts)
    #expect(stored.map(\.type) == Array(repeating: "text", count: texts.count), "an empty text is not NULL")
    #expect(stored.map(\.text) == texts)
    #expect(stored.map(\.bytes) == texts.map { Int64($0.utf8.count) })
  }

  @Test func textEndsAtItsFirstNULAsACStringWould() throws {
    let stored = try roundTrip(["before\u{0}after", "\u{0}lead"])
    #expect(stored.map(\.text) == ["before", ""])
    #expect(stored.map(\.type) == ["text", "text"])
  }
}
