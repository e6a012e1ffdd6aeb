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

  @Test func listsChangedLeavesAsDottedPathsNamingSecretsWithoutTheirValues() {
    let changes = MetadataDiff.changes(
      from: parse(#"{"a": {"b": 1, "Password": "x"}, "list": [1, 2], "keystone": {"url": "u"}}"#),
      to: parse(#"{"a": {"b": 2, "Password": "y"}, "list": [1], "keystone": {"url": "v"}, "new": null}"#),
      showSecrets: false)
    #expect(
      changes == [
        KeyChange(key: "a.b", change: .changed, from: parse("1"), to: parse("2"), secret: false),
        KeyChange(key: "a.Password", change: .changed, from: nil, to: nil, secret: true),
        KeyChange(key: "list.1", change: .removed, from: parse("2"), to: nil, secret: false),
        KeyChange(key: "keystone.url", change: .changed, from: parse(#""u""#), to: parse(#""v""#), secret: false),
        KeyChange(key: "new", change: .added, from: nil, to: parse("null"), secret: false),
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

  @Test func heatInputsAreSecretByTheirNameAtAnyDepth() {
    let deployments = parse(
      #"{"deployments": [{"inputs": [{"name": "db_password", "value": "hunter2", "type": "String"}, {"name": "bridge", "value": "br-ex"}]}]}"#
    )
    let masked = MetadataDiff.masking(deployments) { _ in .string("<secret>") }
    #expect(
      masked.text
        == #"{"deployments":[{"inputs":[{"name":"db_password","value":"<secret>","type":"String"},{"name":"bridge","value":"br-ex"}]}]}"#
    )
    #expect(MetadataDiff.holdsSecrets(deployments))
    #expect(!MetadataDiff.holdsSecrets(parse(#"{"keystone": {"host": "h"}, "monkey": 1}"#)))
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
