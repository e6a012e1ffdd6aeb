import MetadataDocuments
import SecretHiding
import Testing

@testable import RunForensics

/// The diff reads both texts lazily; what it finds must not depend on how
/// the texts are written.
@Suite struct SkimDiffTests {
  func changes(_ old: String, _ new: String) -> [String]? {
    MetadataDiff.changes(
      fromText: Array(old.utf8), toText: Array(new.utf8), showSecrets: false, spans: CredentialSpans()
    )?.map { "\($0.change.rawValue) \($0.key) \($0.from?.text ?? "-") \($0.to?.text ?? "-")" }
  }

  @Test func formattingEscapesAndMemberOrderAreNoChange() {
    #expect(changes(#"{"a": {"b": 1, "c": "x/y"}}"#, "{\n  \"a\":{\"c\":\"x\\/y\",\"b\":1}\n}") == [])
    #expect(changes(#"{"a": "\u00e9"}"#, #"{"a": "é"}"#) == [])
  }

  @Test func changesAreFoundAtEveryDepthAndKind() {
    #expect(
      changes(
        #"{"a": {"b": [1, 2], "c": {"d": true}}, "gone": null, "t": 1}"#,
        #"{"a": {"b": [1, 3, 4], "c": {"d": false}}, "t": "1", "new": {"x": []}}"#)
        == [
          "changed a.b.1 2 3", "added a.b.2 - 4", "changed a.c.d true false", "removed gone null -",
          "changed t 1 \"1\"", "added new - {\"x\":[]}",
        ])
  }

  @Test func listsWithIdentityAreMatchedByIt() {
    let old = #"{"deployments": [{"id": "a", "inputs": [{"name": "port", "value": 1}]}, {"id": "b"}]}"#
    let new = #"{"deployments": [{"id": "c"}, {"id": "b"}, {"id": "a", "inputs": [{"name": "port", "value": 2}]}]}"#
    #expect(
      changes(old, new) == ["changed deployments[a].inputs[port].value 1 2", "added deployments[c] - {\"id\":\"c\"}"])
  }

  @Test func deploymentsAreMatchedByNameAndEveryChangeKnowsItsPosition() throws {
    let old = #"{"deployments": [{"id": "d1", "name": "app", "inputs": [{"name": "port", "value": 8080}]}]}"#
    let new = #"""
      {"deployments": [{"id": "d9", "name": "db"},
                       {"id": "d2", "name": "app", "inputs": [{"name": "port", "value": "8080/tcp"}]}]}
      """#
    #expect(
      changes(old, new) == [
        "changed deployments[app].id \"d1\" \"d2\"", "changed deployments[app].inputs[port].value 8080 \"8080/tcp\"",
        "added deployments[db] - {\"id\":\"d9\",\"name\":\"db\"}",
      ])
    let positions = try #require(
      MetadataDiff.changes(fromText: Array(old.utf8), toText: Array(new.utf8), showSecrets: false, spans: .init())
    ).map(\.positionalKey)
    #expect(positions == ["deployments.1.id", "deployments.1.inputs.0.value", "deployments.0"])
    // Repeated names: told apart by id.
    let twice = #"{"l": [{"id": 1, "name": "x", "v": 1}, {"id": 2, "name": "x", "v": 1}]}"#
    #expect(changes(twice, twice.replacing(#""v": 1}]"#, with: #""v": 2}]"#)) == ["changed l[2].v 1 2"])
  }

  @Test func keysAreReadAsScriptsWriteThem() {
    let text = #"""
      servers=$(os-apply-config --key 'ntp.servers.0.server' --type raw)
      port() { os-apply-config --key="app.port" --key-default 80; }
      os-apply-config \
        --boolean-key app.debug
      /usr/local/bin/os-apply-config --key "$NAME" --key `echo x`
      echo --key not.this
      """#
    #expect(ApplyConfigKeys.keys(in: text) == ["ntp.servers.0.server", "app.port", "app.debug"])
    #expect(ApplyConfigKeys.reads("ntp.servers.0.server", path: "ntp.servers.0.server"))
    #expect(ApplyConfigKeys.reads("ntp.servers.0.server", path: "ntp.servers"), "the list replaced")
    #expect(ApplyConfigKeys.reads("ntp", path: "ntp.servers.0.server"), "read whole")
    #expect(!ApplyConfigKeys.reads("ntp.servers.0.server", path: "ntp.servers.1.server"))
    #expect(!ApplyConfigKeys.reads("app.port", path: "app.ports"))
  }

  @Test func secretsFoundByNameOrInputAreNeverShown() throws {
    let old = #"{"db_password": "one", "inputs": [{"name": "admin_token", "value": "t1"}], "url": "http://u:pw1@h/"}"#
    let new = #"{"db_password": "two", "inputs": [{"name": "admin_token", "value": "t2"}], "url": "http://u:pw2@h/"}"#
    let found = try #require(
      MetadataDiff.changes(
        fromText: Array(old.utf8), toText: Array(new.utf8), showSecrets: false, spans: CredentialSpans()))
    #expect(found.map(\.key) == ["db_password", "inputs[admin_token].value", "url"])
    #expect(found.allSatisfy { $0.secret })
    #expect(
      found.allSatisfy { ($0.from?.text ?? "").contains("pw") == false && ($0.to?.text ?? "").contains("pw") == false })
  }

  @Test func whatIsNotJSONOrTooDeepIsNoDiff() {
    #expect(changes(#"{"a": 1"#, #"{"a": 2}"#) == nil)
    #expect(changes(#"{"a": tru}"#, #"{"a": true}"#) == nil)
    #expect(changes("{} x", "{}") == nil)
    let deep = String(repeating: "[", count: 600) + "1" + String(repeating: "]", count: 600)
    let deeper = String(repeating: "[", count: 600) + "2" + String(repeating: "]", count: 600)
    #expect(changes(deep, deeper) == nil)
  }
}
