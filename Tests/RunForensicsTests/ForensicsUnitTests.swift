import Foundation
import TestSupport
import Testing

@testable import RunForensics

@Suite struct JSONValueTests {
  @Test func parsesDocumentsKeepingKeyOrderAndNumbersAsWritten() {
    let value = JSONValue.parse(
      Array(#"{"b": [1, 2.50, -3e2], "a": {"x": null, "y": "\u00e9\n\ud83d\ude00"}, "t": true}"#.utf8))
    #expect(
      value
        == .object([
          ("b", .array([.number("1"), .number("2.50"), .number("-3e2")])),
          ("a", .object([("x", .null), ("y", .string("é\n😀"))])), ("t", .bool(true)),
        ]))
  }

  @Test(arguments: ["", "{", #"{"a" 1}"#, "[1,]", "01", "1.", "\"unterminated", "{} extra", "nul", "\"\u{01}\""])
  func rejectsWhatIsNotJSON(_ text: String) {
    #expect(JSONValue.parse(Array(text.utf8)) == nil)
  }

  @Test func rejectsNestingTooDeepInsteadOfCrashing() {
    #expect(JSONValue.parse(Array((String(repeating: "[", count: 100_000)).utf8)) == nil)
  }
}

@Suite struct MetadataDiffTests {
  func parse(_ text: String) -> JSONValue { JSONValue.parse(Array(text.utf8))! }

  @Test func listsChangedLeavesAsDottedPathsMaskingSecrets() {
    let changes = MetadataDiff.changes(
      from: parse(#"{"a": {"b": 1, "Password": "x"}, "list": [1, 2], "keystone": {"url": "u"}}"#),
      to: parse(#"{"a": {"b": 2, "Password": "y"}, "list": [1], "keystone": {"url": "v"}, "new": null}"#),
      showSecrets: false)
    #expect(
      changes == [
        KeyChange(key: "a.b", change: .changed, from: "1", to: "2"),
        KeyChange(key: "a.Password", change: .changed, from: "<masked>", to: "<masked>"),
        KeyChange(key: "list.1", change: .removed, from: "2", to: nil),
        KeyChange(key: "keystone.url", change: .changed, from: "<masked>", to: "<masked>"),
        KeyChange(key: "new", change: .added, from: nil, to: "null"),
      ])
  }

  @Test func redactionKeepsEqualityOfSecretsButNotTheirValues() {
    let hash: (String) -> String = { String($0.count) }
    let redacted = MetadataDiff.redacted(parse(#"{"token": "abc", "nested": {"api_key": [1, 2]}, "x": 1}"#), hash: hash)
    #expect(
      redacted.text
        == #"{"token":"<redacted:sha256:5>","nested":{"api_key":["<redacted:sha256:1>","<redacted:sha256:1>"]},"x":1}"#)
  }
}

@Suite struct UnifiedDiffTests {
  @Test func producesHunksWithContext() {
    let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
    let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n") + "line 11\n"
    #expect(
      UnifiedDiff.text(old: old, new: new, oldLabel: "a", newLabel: "b", context: 1) == """
        --- a
        +++ b
        @@ -4,3 +4,3 @@
         line 4
        -line 5
        +line five
         line 6
        @@ -10 +10,2 @@
         line 10
        +line 11

        """)
  }

  @Test func equalTextsHaveNoDiff() {
    #expect(UnifiedDiff.text(old: "a\nb\n", new: "a\nb\n", oldLabel: "x", newLabel: "y") == "")
  }
}
