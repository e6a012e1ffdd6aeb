import ContentEncoding
import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// Secrets in Heat metadata of the shapes os-collect-config caches: never
/// stored, never shown, unless asked.
@Suite struct SecretsTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  /// Metadata with secrets as deployments carry them (inputs as name/value
  /// pairs), TripleO's CamelCase parameters, nested lists, and look-alike
  /// names that are not secret.
  func metadata(_ generation: Int) -> String {
    """
    {"deployments": [{"name": "ControllerDeployment", "inputs": [
       {"name": "db_password", "value": "Dbpass-\(generation)-q9", "type": "String"},
       {"name": "bridge_mappings", "value": "datacentre:br-ex\(generation)", "type": "String"}]}],
     "parameters": {"RabbitPassword": "Rabbit-\(generation)-x7", "KeystoneFernetKey0": "Fernet-\(generation)-z3",
       "RabbitCookie": "Cookie-\(generation)-c1", "auth_encryption_key": "Heatkey-\(generation)-k8",
       "keystone": {"host": "ks-\(generation).example"}, "monkey": "banana-\(generation)", "keepalived_router": "r\(generation)",
       "tokenizer": "words-\(generation)"},
     "nested": {"servers": [{"admin_pass": "Serverpw-\(generation)-s5", "name": "node-\(generation)"}]},
     \(generation == 1
      ? #""mysql": {"root_password": "Mysqlroot-1-m2", "port": 3306}"#
      : #""mysql": "disabled", "nova": {"api_password": "Novapi-2-n4", "host": "n"}"#)}
    """
  }

  func secrets(_ generation: Int) -> [String] {
    [
      "Dbpass-\(generation)-q9", "Rabbit-\(generation)-x7", "Fernet-\(generation)-z3", "Cookie-\(generation)-c1",
      "Heatkey-\(generation)-k8", "Serverpw-\(generation)-s5",
    ]
  }

  func refreshTwice(_ arguments: [String] = []) {
    base.script("configure.d/10-ok", "echo ok")
    for generation in 1...2 {
      scratch.write("heat.json", metadata(generation))
      #expect(fixture.refresh(arguments, environment: ["OS_CONFIG_FILES": scratch.url("heat.json")]).status == 0)
    }
  }

  func diff(_ arguments: [String]) -> CommandResult {
    runCommand(
      Binaries.ours, ["diff", "1", "2"] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  @Test func rotatedSecretsAreNeverStoredAndDiffNamesThemWithoutValues() throws {
    refreshTwice()
    let files = ["", "-wal", "-shm"].map { fixture.database + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    for file in files {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
      for secret in secrets(1) + secrets(2) {
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(file)")
      }
    }
    let text = diff([]).stdoutText
    for key in [
      "deployments[ControllerDeployment].inputs[db_password].value", "parameters.RabbitPassword",
      "parameters.KeystoneFernetKey0", "parameters.RabbitCookie", "parameters.auth_encryption_key",
    ] {
      #expect(text.contains("      ~ \(key): secret changed"), "\(key) in:\n\(text)")
    }
    // Servers are told apart by name: node-1 went, node-2 came, passwords masked.
    #expect(
      text.contains(#"      - nested.servers[node-1] (was {"admin_pass":"<secret>","name":"node-1"})"#), "\(text)")
    #expect(text.contains(#"      + nested.servers[node-2] = {"admin_pass":"<secret>","name":"node-2"}"#), "\(text)")
    #expect(text.contains(#"      ~ parameters.keystone.host: "ks-1.example" -> "ks-2.example""#))
    #expect(text.contains(#"      ~ parameters.monkey: "banana-1" -> "banana-2""#))
    #expect(text.contains(#"      ~ parameters.keepalived_router: "r1" -> "r2""#))
    #expect(text.contains(#"      ~ parameters.tokenizer: "words-1" -> "words-2""#))
    // A retyped and an added key with secrets inside: their shape, secrets masked.
    #expect(text.contains(#"      ~ mysql: {"root_password":"<secret>","port":3306} -> "disabled""#), "\(text)")
    #expect(text.contains(#"      + nova = {"api_password":"<secret>","host":"n"}"#), "\(text)")
    let json = diff(["--json"])
    let decoded = try JSONContract.decode(JSONContract.Diff.self, from: json.stdout)
    let secretKeys = decoded.inputs.flatMap(\.keys).filter(\.secret)
    #expect(secretKeys.count == 5)
    let retyped = try #require(decoded.inputs.flatMap(\.keys).first { $0.key == "mysql" })
    #expect(retyped.from == .object(["root_password": .string("<secret>"), "port": .number(3306)]))
    #expect(retyped.to == .string("disabled"))
    #expect(secretKeys.allSatisfy { $0.from == nil && $0.to == nil })
    for output in [
      text, json.stdoutText, fixture.history(["show", "2", "--json"]).stdoutText,
      fixture.history(["show", "2"]).stdoutText, fixture.history(["export"]).stdoutText,
    ] {
      for secret in secrets(1) + secrets(2) { #expect(!output.contains(secret), "\(secret)") }
    }
  }

  @Test func aScriptEchoingAMetadataSecretReachesTheConsoleButNotTheHistory() throws {
    scratch.write("heat.json", metadata(1))
    base.script(
      "configure.d/10-leaks", "echo \"connecting with Rabbit-1-x7 and Dbpass-1-q9\"; echo 'pw Serverpw-1-s5' >&2")
    let result = fixture.refresh(environment: ["OS_CONFIG_FILES": scratch.url("heat.json")])
    #expect(result.status == 0)
    #expect(result.stdoutText == "connecting with Rabbit-1-x7 and Dbpass-1-q9\n")
    #expect(result.stderr.contains("pw Serverpw-1-s5\n"))
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.stdout.text == "connecting with <redacted> and <redacted>\n")
    #expect(script.stderr.text == "pw <redacted>\n")
    #expect(script.stdout.bytes == 44, "byte counts stay those of the real output")
  }

  @Test(arguments: [(32768, 32768 - 4, 40_000), (100, 96, 150), (100, 96, 70_000)])
  func aRedactedSecretStraddlingTheCutIsNeverStored(maxOutput: Int, offset: Int, length: Int) throws {
    // The secret starts a few bytes before the head's cut and ends after it.
    let secret = "TOPSECRET-4711"
    let before = String(repeating: "a", count: offset)
    let after = String(repeating: "b", count: length - offset - secret.count)
    scratch.write("out", before + secret + after)
    base.script("configure.d/10-prints", "cat \(scratch.url("out"))")
    #expect(fixture.refresh(["--redact", "TOPSECRET-[0-9]+", "--max-output", String(maxOutput)]).status == 0)
    let raw = fixture.history(["output", "latest", "configure/10-prints"]).stdoutText
    #expect(!raw.contains("TOPSECRET") && !raw.contains("TOPSEC") && !raw.contains("-4711"), "\(raw.suffix(40))")
    #expect(raw.contains("<redacted>"))
    let shown = fixture.history(["show", "latest", "--json"]).stdoutText
    let exported = fixture.history(["export"]).stdoutText
    #expect(!shown.contains("TOPSECRET") && !exported.contains("TOPSECRET"), "no --redact argument is stored")
    #expect(try fixture.show().commandLine.contains("<redacted>"))
  }

  /// A field named sha256 is what sha256sum prints, or null; a keyed
  /// digest (content that may hold secrets) is named as what it is.
  @Test func digestsAreNamedForWhatTheyAre() throws {
    base.script("configure.d/10-ok", "echo ok")
    base.write("environment.d/10-env", "export A=1\n")
    scratch.write("secret.json", metadata(1))
    scratch.write("plain.json", #"{"port": 8080}"#)
    let files = scratch.url("secret.json") + ":" + scratch.url("plain.json")
    #expect(fixture.refresh(environment: ["OS_CONFIG_FILES": files]).status == 0)
    let inputs = try fixture.show().inputs
    let byPath = Dictionary(uniqueKeysWithValues: inputs.map { ($0.path, $0) })
    let plain = try #require(byPath[scratch.url("plain.json")])
    #expect(plain.sha256 == ContentDigest.sha256Hex(Array(#"{"port": 8080}"#.utf8)) && plain.hmacSha256 == nil)
    let secret = try #require(byPath[scratch.url("secret.json")])
    #expect(secret.sha256 == nil && secret.hmacSha256?.count == 64)
    #expect(secret.hmacSha256 != ContentDigest.sha256Hex(Array(metadata(1).utf8)))
    let environment = try #require(inputs.first { $0.kind == .environment })
    #expect(environment.sha256 == nil && environment.hmacSha256?.count == 64)
    #expect(fixture.history(["show", "latest"]).stdoutText.contains("hmac:"))
  }

  /// The key secrets are digested under: its loss is said once, and a key
  /// file that is not one is refused, never replaced, never waited on.
  @Test func aLostKeyIsSaidOnceAndABadOneIsNeverReplaced() throws {
    base.script("configure.d/10-ok", "echo ok")
    scratch.write("heat.json", metadata(1))
    let environment = ["OS_CONFIG_FILES": scratch.url("heat.json")]
    #expect(fixture.refresh(environment: environment).stderr.contains("WARNING") == false)
    let keyPath = fixture.database + ".key"
    try FileManager.default.removeItem(atPath: keyPath)
    let lost = fixture.refresh(environment: environment)
    #expect(lost.status == 0)
    let warnings = lost.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(warnings.count == 1, "\(lost.stderr)")
    #expect(
      warnings.first?.hasSuffix(
        "[WARNING] history: the secret key \(keyPath) was missing; a new one was made, so each secret recorded "
          + "before shows as changed once") == true, "\(lost.stderr)")
    #expect(!fixture.refresh(environment: environment).stderr.contains("secret key"), "said once")
    for bad in ["short", "fifo"] {
      try FileManager.default.removeItem(atPath: keyPath)
      if bad == "fifo" {
        #expect(mkfifo(keyPath, 0o600) == 0)
      } else {
        scratch.write("db/history.sqlite.key", "12345", mode: 0o600)
      }
      let refused = fixture.refresh(environment: environment, seconds: 30)
      #expect(refused.status == 0, "\(bad): the refresh goes on")
      #expect(refused.stderr.contains("no secret key beside"), "\(bad): \(refused.stderr)")
      var info = stat()
      #expect(lstat(keyPath, &info) == 0)
      #expect(bad == "fifo" ? (info.st_mode & S_IFMT) == S_IFIFO : info.st_size == 5, "\(bad): left as it was")
    }
  }

  @Test func storeSecretsAndShowSecretsShowThem() throws {
    refreshTwice(["--store-secrets"])
    let text = diff(["--show-secrets"]).stdoutText
    #expect(text.contains(#"      ~ parameters.RabbitPassword: "Rabbit-1-x7" -> "Rabbit-2-x7""#), "\(text)")
    let hidden = diff([]).stdoutText
    #expect(hidden.contains("      ~ parameters.RabbitPassword: secret changed"))
    #expect(!hidden.contains("Rabbit-1-x7"))
  }
}

/// Stored text never drives the operator's terminal.
@Suite struct DisplaySafetyTests {
  let fixture = HistoryFixture()

  @Test func noHumanViewWritesRawControlBytesAndOutputStaysRaw() throws {
    let nasty = #"printf 'title \033]0;pwned\007 clear \033[2J over\rwrite c1 \302\233 del \177\n'"#
    fixture.base.script("configure.d/10-nasty", nasty + "; exit 3")
    fixture.base.script("configure.d/20-also", nasty)
    #expect(fixture.refresh().status == 1)
    base2Run()
    let views: [[String]] = [[], ["show", "latest"], ["show", "1"], ["script", "configure/10-nasty"], ["stats"]]
    for arguments in views {
      let result = fixture.history(arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      for byte: UInt8 in [0x1B, 0x07, 0x0D, 0x7F] {
        #expect(!result.stdout.contains(byte), "\(arguments): raw \(byte)")
      }
      #expect(!result.stdoutText.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "\(arguments): C1")
    }
    #expect(fixture.history(["show", "1"]).stdoutText.contains(#"\x1b]0;pwned\x07"#))
    for arguments in [["1", "2"], ["1", "2", "--output"]] {
      let diff = runCommand(
        Binaries.ours, ["diff"] + arguments + ["--db", fixture.database],
        environment: Binaries.environment(database: fixture.database))
      #expect(diff.status == 0)
      for byte: UInt8 in [0x1B, 0x07, 0x0D, 0x7F] { #expect(!diff.stdout.contains(byte), "diff \(arguments)") }
    }
    let raw = fixture.history(["output", "1", "configure/10-nasty"])
    #expect(raw.stdout.contains(0x1B) && raw.stdout.contains(0x07), "history output is the raw bytes")
  }

  /// A second run whose nasty script prints something else, for diff --output.
  func base2Run() {
    fixture.base.script("configure.d/10-nasty", #"printf 'other \033[31m red\n'; exit 3"#)
    #expect(fixture.refresh().status == 1)
  }
}

/// Databases an earlier version wrote with secrets in clear are scrubbed.
@Suite struct SecretScrubTests {
  let fixture = HistoryFixture()

  @Test func upgradingADatabaseWithClearSecretsScrubsThem() throws {
    // A history as version 3 of the schema left it: metadata kept whole,
    // a --redact pattern in a command line, an unsalted hash of a secret.
    try FileManager.default.createDirectory(atPath: fixture.scratch.url("db"), withIntermediateDirectories: true)
    chmod(fixture.scratch.url("db"), 0o700)
    do {
      let database = try Database(path: fixture.database)
      try database.execute("PRAGMA journal_mode = WAL")
      try Migrator.migrate(database, upTo: 3)
      let metadata =
        #"{"parameters": {"RabbitPassword": "Clear-Rabbit-91", "host": "h1"}, "deployments": [{"inputs": [{"name": "db_password", "value": "Clear-Db-92"}]}], "old": {"token": "<redacted:sha256:aaaa>"}}"#
      try database.statement("INSERT INTO contents (id, sha256, size, data, refs) VALUES (1, 'x', ?, ?, 1)").run([
        .integer(Int64(metadata.utf8.count)), .blob(Array(metadata.utf8)),
      ])
      try database.execute(
        """
        INSERT INTO runs (id, started_at, status, base_dir, hostname, pid, boot_id, process_start, version,
                          command_line, planned_scripts)
          VALUES (1, 1, 'success', '/b', 'h', 1, 'boot', 1, 'v',
                  '["os-refresh-config","--redact","Clear-Pattern-93"]', 0);
        INSERT INTO run_inputs (run_id, kind, position, path, sha256, content_id)
          VALUES (1, 'config', 0, '/heat.json', 'plain', 1);
        """)
      chmod(fixture.database, 0o600)
    }
    fixture.base.script("configure.d/10-ok", "echo ok")
    let result = fixture.refresh()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.contains("WARNING"), "\(result.stderr)")
    for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: fixture.database + suffix) {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.database + suffix))
      for secret in ["Clear-Rabbit-91", "Clear-Db-92", "Clear-Pattern-93", "<redacted:sha256:aaaa>"] {
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in history.sqlite\(suffix)")
      }
    }
    let store = try HistoryStore.openForReading(at: fixture.database)
    #expect(!store.secretsScrubPending)
    let kept = String(decoding: try store.queries.inputs(run: 1).first?.content ?? [], as: UTF8.self)
    #expect(kept.contains(#""host":"h1""#), "what is not secret is kept: \(kept)")
    #expect(kept.contains("<secret:hmac-sha256:"))
    #expect(try fixture.show("1").commandLine == ["os-refresh-config", "--redact", "<redacted>"])
  }
}

/// A history whose key cannot be had keeps secrets as `<secret>`, without
/// digests: `diff` says it cannot tell whether one changed, never "Nothing changed".
@Suite struct SecretsWithoutAKeyTests {
  let fixture = HistoryFixture()

  @Test func aChangedSecretWithoutAKeyIsNeverNothingChanged() throws {
    fixture.base.script("configure.d/10-ok", "exit 0")
    #expect(fixture.refresh().status == 0)
    // A key file of the wrong size is refused and left as it is.
    unlink(fixture.database + ".key")
    fixture.scratch.write("db/history.sqlite.key", "too short", mode: 0o600)
    let metadata = fixture.scratch.url("heat.json")
    for password in ["Old-Secret-Value-1", "New-Secret-Value-2"] {
      fixture.scratch.write("heat.json", #"{"db": {"password": "\#(password)", "host": "h1"}}"#)
      let run = fixture.refresh(environment: ["OS_CONFIG_FILES": metadata])
      #expect(run.status == 0 && run.stderr.contains("secrets are stored as <secret>, without digests"))
    }
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", fixture.database], environment: Binaries.environment(database: fixture.database))
    #expect(diff.status == 0, "\(diff.stderr)")
    #expect(!diff.stdoutText.contains("Nothing changed"), "\(diff.stdoutText)")
    #expect(
      diff.stdoutText.hasSuffix(
        """

        Inputs
          same     \(metadata)  (secrets kept without a key, as <secret>: a change to one cannot be told)

        """), "\(diff.stdoutText)")
    let json = runCommand(
      Binaries.ours, ["diff", "--json", "--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
    let decoded = try JSONContract.decode(JSONContract.Diff.self, from: json.stdout)
    #expect(decoded.inputs.map(\.secretsUncompared) == [true])
  }
}
