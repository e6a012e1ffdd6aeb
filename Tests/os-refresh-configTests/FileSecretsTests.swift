import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// Files holding secrets, written by scripts and rotated: every change is
/// seen, and no secret byte reaches the history's files or any output.
@Suite struct FileSecretsTests {
  private static let keyBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"

  /// The node's secret-bearing files with `generation`'s values, as a
  /// script renders them from metadata: from a directory neither watched
  /// nor recorded (a script's own text is recorded).
  private func writeSecrets(_ node: WatchedNode, generation: String) {
    let source = node.scratch
    source.write(
      "rendered/nova/nova.conf",
      "[DEFAULT]\ndebug = False\npassword = Ini-S3cret-\(generation)\n[database]\n"
        + "connection = mysql+pymysql://nova:DbPassw0rd\(generation)@db.example.net/nova\n")
    source.write("rendered/default/app", "export API_TOKEN=\"tok-abc123xyz\(generation)\"\nLEVEL=2\n")
    source.write("rendered/app.json", "{\"admin_password\": \"Js0nSecret\(generation)\", \"port\": 8774}\n")
    source.write(
      "rendered/ssl/server.key",
      "-----BEGIN PRIVATE KEY-----\n\(Self.keyBody)\(generation)\n-----END PRIVATE KEY-----\n")
    source.write(
      "rendered/ssl/bundle.pem",
      "cert\n-----BEGIN RSA PRIVATE KEY-----\nBundleKey\(generation)Body\n-----END RSA PRIVATE KEY-----\n")
    node.base.script("configure.d/20-secrets", "cp -R \(source.url("rendered"))/. \(node.etc)/")
  }

  private func secrets(_ generation: String) -> [String] {
    [
      "Ini-S3cret-\(generation)", "DbPassw0rd\(generation)", "tok-abc123xyz\(generation)", "Js0nSecret\(generation)",
      Self.keyBody, "BundleKey\(generation)Body",
    ]
  }

  @Test func aRotatedSecretIsSeenAsAChangeAndNeverStoredOrShown() throws {
    let node = WatchedNode(method: .fanotify)
    writeSecrets(node, generation: "One")
    #expect(node.refresh().status == 0)
    writeSecrets(node, generation: "Two")
    #expect(node.refresh().status == 0)
    let second = try node.changes("2")
    #expect(
      node.summary(second) == [
        "modified app.json by configure/20-secrets", "modified default/app by configure/20-secrets",
        "modified nova/nova.conf by configure/20-secrets", "modified ssl/bundle.pem by configure/20-secrets",
        "modified ssl/server.key by configure/20-secrets",
      ])
    let nova = try #require(second.files.first { $0.path.hasSuffix("nova.conf") })
    #expect(nova.linesAdded == 2 && nova.linesRemoved == 2 && !nova.secret)
    #expect(nova.sha256?.hasPrefix("hmac-sha256:") == true, "a file that held secrets has a keyed digest")
    for key in ["ssl/server.key", "ssl/bundle.pem"] {
      let file = try #require(second.files.first { $0.path.hasSuffix(key) })
      #expect(file.secret && !file.contentKept && file.linesAdded == nil)
      #expect(file.sha256?.hasPrefix("hmac-sha256:") == true)
    }
    let firstKey = try node.versions(node.etc + "/ssl/server.key").versions.map(\.sha256)
    #expect(Set(firstKey).count == 2, "the rotation shows as another keyed digest")
    // A hand edit rotates them again: drift sees it.
    node.scratch.write("etc/nova/nova.conf", "[DEFAULT]\npassword = Ini-S3cret-Three\n")
    var outputs: [String] = []
    for arguments in [["--diff"], ["--diff", "--json"]] {
      let drift = node.drift(arguments)
      #expect(drift.status == 1)
      outputs += [drift.stdoutText, drift.stderr]
    }
    let history: [[String]] = [
      ["changes", "1", "--diff"], ["changes", "2", "--diff"], ["changes", "2", "--diff", "--json"],
      ["file", node.etc + "/nova/nova.conf", "--at", "1"], ["file", node.etc + "/nova/nova.conf", "--at", "2"],
      ["file", node.etc + "/nova/nova.conf", "--json"], ["show", "2", "--json"], ["export"],
    ]
    for arguments in history {
      let result = node.fixture.history(arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      outputs += [result.stdoutText, result.stderr]
    }
    let atRun = node.fixture.history(["file", node.etc + "/nova/nova.conf", "--at", "2"]).stdoutText
    #expect(atRun.contains("password = <secret:hmac-sha256:"), "\(atRun)")
    #expect(atRun.contains("connection = mysql+pymysql://nova:<secret:hmac-sha256:"), "\(atRun)")
    let key = node.fixture.history(["file", node.etc + "/ssl/server.key", "--at", "2"])
    #expect(key.status == 1)
    #expect(
      key.stderrLines == [
        "os-refresh-config: error: '\(node.etc)/ssl/server.key' is a secret file: only its keyed digest is kept, never its content"
      ])
    let files = ["", "-wal", "-pending"].compactMap {
      try? Data(contentsOf: URL(fileURLWithPath: node.fixture.database + $0))
    }
    #expect(!files.isEmpty)
    for secret in secrets("One") + secrets("Two") + ["Ini-S3cret-Three"] {
      for (index, output) in outputs.enumerated() {
        #expect(!output.contains(secret), "output \(index) shows \(secret)")
      }
      for file in files { #expect(file.range(of: Data(secret.utf8)) == nil, "the history holds \(secret)") }
    }
  }
}
