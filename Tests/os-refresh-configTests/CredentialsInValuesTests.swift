import Foundation
import TestSupport
import Testing

/// Credentials inside values whose names say nothing, as real Heat and
/// TripleO metadata carry them: none of their bytes reaches the database,
/// its WAL, the pending log, any view, the trace or the metrics, while the
/// rest of each value stays visible to `diff`.
@Suite struct CredentialsInValuesTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  /// Each generation's credentials: a connection URL's password, a Heat
  /// pre-signed signal URL's Signature, a Swift temp_url_sig, a PEM key
  /// body, an Authorization header, and a named secret repeated inside a
  /// deployment's config script.
  func credentials(_ generation: Int) -> [String] {
    [
      "KsDbPass\(generation)x9", "SiGnAtUrE\(generation)zz", "TeMpUrLsIg\(generation)q", "MIIEpRiVaTeKeY\(generation)",
      "BeArErToKeN\(generation)w", "AdMiNpAsS\(generation)v",
    ]
  }

  func metadata(_ generation: Int) -> String {
    let c = credentials(generation)
    let key = "-----BEGIN RSA PRIVATE KEY-----\\n\(c[3])\\n-----END RSA PRIVATE KEY-----\\n"
    return """
      {"keystone": {"database": {"connection": "mysql+pymysql://keystone:\(c[0])@db\(generation).example.net/keystone"}},
       "os-collect-config": {"heat": {"signal_url": "http://192.0.2.1:8000/v1/signal/x?Timestamp=t&SignatureMethod=HmacSHA256&AWSAccessKeyId=ak&SignatureVersion=2&Signature=\(c[1])"}},
       "swift": {"object_url": "https://swift.example/v1/AUTH_a/c/o?temp_url_sig=\(c[2])&temp_url_expires=1700000000"},
       "ssh": {"host_identity": "\(key)"},
       "request": {"headers": "Accept: application/json\\nAuthorization: Bearer \(c[4])\\n"},
       "admin_password": "\(c[5])",
       "deployments": [{"name": "dep-\(generation)", "config": "#!/bin/sh\\necho \(c[5]) | passwd --stdin root\\n"}]}
      """
  }

  @Test func noCredentialByteIsStoredExportedOrShownAndTheRestStaysVisible() throws {
    let telemetry = ["--metrics-file", scratch.url("metrics.prom"), "--otlp-file", scratch.url("trace.jsonl")]
    for generation in 1...2 {
      // The script names the admin password in its own text and prints the
      // connection URL: both stored with the credential hidden.
      let password = credentials(generation)[0]
      base.script(
        "configure.d/10-connect",
        "# uses \(credentials(generation)[5])\necho connecting to mysql+pymysql://keystone:\(password)@db\(generation)")
      scratch.write("heat.json", metadata(generation))
      let run = fixture.refresh(telemetry, environment: ["OS_CONFIG_FILES": scratch.url("heat.json")])
      #expect(run.status == 0, "\(run.stderr)")
    }
    let diff = runCommand(
      Binaries.ours, ["diff", "1", "2", "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
    let diffJSON = runCommand(
      Binaries.ours, ["diff", "1", "2", "--json", "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
    var texts = [
      diff.stdoutText, diffJSON.stdoutText, fixture.history(["show", "2", "--json"]).stdoutText,
      fixture.history(["show", "2"]).stdoutText, fixture.history(["export"]).stdoutText,
      fixture.history(["output", "2", "configure/10-connect"]).stdoutText,
    ]
    for path in ["", "-wal", "-pending"].map({ fixture.database + $0 }) + [
      scratch.url("metrics.prom"), scratch.url("trace.jsonl"),
    ] where FileManager.default.fileExists(atPath: path) {
      texts.append(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
    }
    for text in texts {
      for credential in credentials(1) + credentials(2) {
        #expect(!text.contains(credential), "\(credential) in:\n\(text.prefix(2000))")
      }
    }
    // The rest of each value is there: a host change shows, the password does not.
    #expect(
      diff.stdoutText.contains(
        #"~ keystone.database.connection: "mysql+pymysql://keystone:<secret>@db1.example.net/keystone" -> "mysql+pymysql://keystone:<secret>@db2.example.net/keystone""#
      ), "\(diff.stdoutText)")
    #expect(
      diff.stdoutText.contains(
        #"~ swift.object_url: secret changed in "https://swift.example/v1/AUTH_a/c/o?temp_url_sig=<secret>&temp_url_expires=1700000000""#
      ),
      "\(diff.stdoutText)")
    #expect(diff.stdoutText.contains("~ admin_password: secret changed"))
    let decoded = try JSONContract.decode(JSONContract.Diff.self, from: diffJSON.stdout)
    let url = try #require(decoded.inputs.flatMap(\.keys).first { $0.key == "swift.object_url" })
    #expect(url.secret && url.from == url.to)
    #expect(
      fixture.history(["output", "2", "configure/10-connect"]).stdoutText
        == "connecting to mysql+pymysql://keystone:<redacted>@db2\n")
    let script = try #require(fixture.show("2").scripts.first)
    #expect(script.name == "10-connect")
  }

  /// A document with no secret-named value is kept as read unless its text
  /// holds a credential; escapes that could hide one take the long way.
  @Test(arguments: [
    #"{"db": {"connection": "mysql+pymysql://nova:PLAIN@db.example.net/nova"}}"#,
    #"{"db": {"connection": "mysql+pymysql:\/\/nova:PLAIN@db.example.net\/nova"}}"#,
    #"{"db": {"connection": "mysql+pymysql://nova:PLAIN\u0040db.example.net/nova"}}"#,
  ])
  func aCredentialInADocumentWithoutSecretNamesIsNeverStored(_ document: String) throws {
    let password = "NoNamePass7"
    base.script("configure.d/10-ok", "true")
    scratch.write("heat.json", document.replacing("PLAIN", with: password))
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": scratch.url("heat.json")]).status == 0)
    for suffix in ["", "-wal", "-pending"] where FileManager.default.fileExists(atPath: fixture.database + suffix) {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.database + suffix))
      #expect(bytes.range(of: Data(password.utf8)) == nil, "\(suffix)")
    }
    #expect(!fixture.history(["show", "1", "--json"]).stdoutText.contains(password))
  }

  /// A document that names no secret word at all is not built unless its
  /// text holds a credential: this one does, and it is still masked.
  @Test func aCredentialInADocumentNamingNoSecretWordIsNeverStored() throws {
    let credential = "Zx81qvRtw"
    base.script("configure.d/10-ok", "true")
    scratch.write("heat.json", #"{"db": {"connection": "mysql://nova:"# + credential + #"@db.example.net/nova"}}"#)
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": scratch.url("heat.json")]).status == 0)
    for suffix in ["", "-wal", "-pending"] where FileManager.default.fileExists(atPath: fixture.database + suffix) {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.database + suffix))
      #expect(bytes.range(of: Data(credential.utf8)) == nil, "\(suffix)")
    }
  }
}
