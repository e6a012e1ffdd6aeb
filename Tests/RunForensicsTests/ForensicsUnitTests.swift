import Foundation
import MetadataDocuments
import TestSupport
import Testing

@testable import RunForensics

@Suite struct MetadataDiffTests {
  func parse(_ text: String) -> JSONValue { JSONValue.parse(Array(text.utf8))! }

  @Test func listsChangedLeavesAsDottedPathsNamingSecretsWithoutTheirValues() {
    let changes = MetadataDiff.changes(
      from: parse(#"{"a": {"b": 1, "Password": "x"}, "list": [1, 2], "keystone": {"url": "u"}}"#),
      to: parse(#"{"a": {"b": 2, "Password": "y"}, "list": [1], "keystone": {"url": "v"}, "new": null}"#),
      showSecrets: false)
    #expect(
      changes == [
        KeyChange(key: "a.b", change: .changed, from: parse("1"), to: parse("2"), secret: false, positionalKey: "a.b"),
        KeyChange(key: "a.Password", change: .changed, from: nil, to: nil, secret: true, positionalKey: "a.Password"),
        KeyChange(key: "list.1", change: .removed, from: parse("2"), to: nil, secret: false, positionalKey: "list.1"),
        KeyChange(
          key: "keystone.url", change: .changed, from: parse(#""u""#), to: parse(#""v""#), secret: false,
          positionalKey: "keystone.url"),
        KeyChange(key: "new", change: .added, from: nil, to: parse("null"), secret: false, positionalKey: "new"),
      ])
  }

  @Test func addedRemovedAndRetypedSubtreesShowTheirShapeWithSecretsMasked() {
    let changes = MetadataDiff.changes(
      from: parse(
        #"{"mysql": {"root_password": "OLD", "port": 3306}, "gone": [{"name": "db_password", "value": "p1"}]}"#),
      to: parse(#"{"mysql": "disabled", "nova": {"api_password": "NEW", "host": "h"}}"#), showSecrets: false)
    let shown = changes.map { "\($0.key) \($0.change.rawValue) \($0.from?.text ?? "-") \($0.to?.text ?? "-")" }
    #expect(
      shown == [
        #"mysql changed {"root_password":"<secret>","port":3306} "disabled""#,
        #"gone removed [{"name":"db_password","value":"<secret>"}] -"#,
        #"nova added - {"api_password":"<secret>","host":"h"}"#,
      ])
    #expect(!shown.joined().contains("OLD") && !shown.joined().contains("NEW") && !shown.joined().contains("p1"))
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
