import SecretHiding
import Testing

/// What of a watched file is secret, and how it is masked.
@Suite struct FileSecretsTests {
  private func masked(_ text: String, known: [String] = []) -> String {
    let spans = FileSecrets.spans(known: KnownSecrets(values: known.map { Array($0.utf8) }))
    return String(
      decoding: FileSecrets.masking(Array(text.utf8), spans: spans) { _ in Array("<S>".utf8) }.masked, as: UTF8.self)
  }

  @Test func theValuesOfSecretSettingsAreMaskedInEveryCommonSyntax() {
    #expect(masked("[DEFAULT]\npassword = hunter22\ndebug = True\n") == "[DEFAULT]\npassword = <S>\ndebug = True\n")
    #expect(masked("admin_token: abc123\nport: 5000\n") == "admin_token: <S>\nport: 5000\n")
    #expect(
      masked("export OS_PASSWORD=\"p4ss w0rd\"\nexport OS_USERNAME=admin\n")
        == "export OS_PASSWORD=\"<S>\"\nexport OS_USERNAME=admin\n")
    #expect(
      masked("{\"admin_password\": \"Js0n\\\"Secret\", \"port\": 8774}\n")
        == "{\"admin_password\": \"<S>\", \"port\": 8774}\n")
    #expect(masked("  \"db_password\": 'quoted',\r\n") == "  \"db_password\": '<S>',\r\n")
    #expect(
      masked("connection = mysql+pymysql://nova:DbPass9@db/nova\n") == "connection = mysql+pymysql://nova:<S>@db/nova\n"
    )
    #expect(masked("note = the value opensesame1 again\n", known: ["opensesame1"]) == "note = the value <S> again\n")
    #expect(masked("password =\ndebug = 1\n") == "password =\ndebug = 1\n", "nothing to mask in an empty value")
  }

  @Test func wholeFilesAreSecretByPathOrByAPrivateKeyInside() {
    for path in [
      "/etc/shadow", "/etc/gshadow-", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssl/private/site.pem", "/etc/nova/x.key",
      "/root/.ssh/id_ed25519", "/etc/apache2/.htpasswd",
    ] {
      #expect(FileSecrets.isSecretPath(path), "\(path)")
    }
    for path in ["/etc/passwd", "/etc/ssh/ssh_host_ed25519_key.pub", "/etc/ssl/certs/site.pem", "/etc/keys.conf"] {
      #expect(!FileSecrets.isSecretPath(path), "\(path)")
    }
    #expect(
      FileSecrets.holdsPrivateKey(Array("x\n-----BEGIN EC PRIVATE KEY-----\nAAA\n-----END EC PRIVATE KEY-----\n".utf8)))
    #expect(!FileSecrets.holdsPrivateKey(Array("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n".utf8)))
  }

  @Test func aKeptFileHasAKeyedDigestWhenItHeldASecretAndThePlainOneOtherwise() {
    let key = [UInt8](repeating: 7, count: 32)
    let plain = FileSecrets.kept(
      path: "/etc/a.conf", bytes: Array("debug = 1\n".utf8), binary: false, sha256: "abc", keyedSHA256: "def", key: key,
      spans: CredentialSpans())
    #expect(plain == KeptFileContent(content: Array("debug = 1\n".utf8), sha256: "abc"))
    let secret = FileSecrets.kept(
      path: "/etc/a.conf", bytes: Array("password = x1\n".utf8), binary: false, sha256: "abc", keyedSHA256: "def",
      key: key, spans: CredentialSpans())
    #expect(secret.sha256 == "hmac-sha256:def")
    #expect(String(decoding: secret.content ?? [], as: UTF8.self).hasPrefix("password = <secret:hmac-sha256:"))
    let whole = FileSecrets.kept(
      path: "/etc/shadow", bytes: Array("root:x:1\n".utf8), binary: false, sha256: "abc", keyedSHA256: "def", key: key,
      spans: CredentialSpans())
    #expect(whole == KeptFileContent(content: nil, sha256: "hmac-sha256:def", secret: true))
    let binary = FileSecrets.kept(
      path: "/etc/a.db", bytes: [0, 1], binary: true, sha256: "abc", keyedSHA256: "def", key: key,
      spans: CredentialSpans())
    #expect(binary == KeptFileContent(content: nil, sha256: "abc", binary: true))
  }
}
