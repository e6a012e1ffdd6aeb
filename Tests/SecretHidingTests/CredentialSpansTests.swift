import MetadataDocuments
import SecretHiding
import Testing

/// Credentials inside values whose names say nothing, in the shapes real
/// Heat and TripleO metadata carry them: only the credential is hidden.
@Suite struct CredentialSpansTests {
  func masked(_ text: String, known: [String] = []) -> String {
    CredentialSpans(known: known.map { Array($0.utf8) }).masking(text) { _ in "<secret>" }
  }

  @Test func aConnectionURLKeepsEverythingButItsPassword() {
    #expect(
      masked("mysql+pymysql://keystone:Fz9xQ2pLm@db2.example.net/keystone?read_default_file=/etc/my.cnf")
        == "mysql+pymysql://keystone:<secret>@db2.example.net/keystone?read_default_file=/etc/my.cnf")
    #expect(masked("rabbit://guest:p@ss:word@10.0.0.5:5672/") == "rabbit://guest:<secret>@10.0.0.5:5672/")
    #expect(masked("https://user@host/path") == "https://user@host/path", "no password, nothing hidden")
    #expect(masked("see http://example.com/a:b@c") == "see http://example.com/a:b@c", "an @ in the path is no userinfo")
  }

  @Test func signedURLsHideTheirSignaturesAndTokens() {
    let heat =
      "http://192.0.2.1:8000/v1/signal/arn%3Aopenstack%3Aheat?Timestamp=2026-12-01T02%3A00%3A00Z"
      + "&SignatureMethod=HmacSHA256&AWSAccessKeyId=4f0d&SignatureVersion=2&Signature=aB3%2Fx9Qz%3D"
    #expect(
      masked(heat)
        == "http://192.0.2.1:8000/v1/signal/arn%3Aopenstack%3Aheat?Timestamp=2026-12-01T02%3A00%3A00Z"
        + "&SignatureMethod=HmacSHA256&AWSAccessKeyId=4f0d&SignatureVersion=2&Signature=<secret>")
    #expect(
      masked("https://swift/v1/AUTH_x/c/o?temp_url_sig=da39a3ee5e6b&temp_url_expires=1700000000")
        == "https://swift/v1/AUTH_x/c/o?temp_url_sig=<secret>&temp_url_expires=1700000000")
    #expect(
      masked("https://s3/b/k?X-Amz-Signature=abcdef&X-Amz-Date=1")
        == "https://s3/b/k?X-Amz-Signature=<secret>&X-Amz-Date=1")
    #expect(masked("https://h/?sig=0123&token=tkn-1&page=2") == "https://h/?sig=<secret>&token=<secret>&page=2")
    #expect(masked("host=db password=hunter22 user=k") == "host=db password=<secret> user=k")
  }

  @Test func headerLikeFieldsHideTheirValueToTheEndOfTheLine() {
    #expect(
      masked("Content-Type: json\nAuthorization: Bearer eyJhbGciOi.x.y\r\nX-Auth-Token: gAAAAAB\n")
        == "Content-Type: json\nAuthorization: <secret>\r\nX-Auth-Token: <secret>\n")
  }

  @Test func aPEMPrivateKeyKeepsItsMarkersOnly() {
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq83vEjd\n-----END RSA PRIVATE KEY-----\n"
    #expect(
      masked("key:\n" + key) == "key:\n-----BEGIN RSA PRIVATE KEY-----\n<secret>\n-----END RSA PRIVATE KEY-----\n")
    let certificate = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
    #expect(masked(certificate) == certificate, "a certificate is public")
  }

  @Test func knownSecretsAreHiddenWhereverTheyAppear() {
    #expect(
      masked("[client]\npassword = s3cr3t-Value\nuser=root", known: ["s3cr3t-Value", "short"])
        == "[client]\npassword = <secret>\nuser=root")
    #expect(masked("a short word", known: ["short"]) == "a short word", "under 6 bytes is not searched for")
  }

  @Test func maskingWhatWasMaskedChangesNothing() {
    let once = CredentialSpans().masking("mysql://k:pw123456@db/k?Signature=x&a=1\nAuthorization: Basic Zm9v") {
      _ in "<secret:hmac-sha256:00ff>"
    }
    #expect(CredentialSpans().masking(once) { _ in "<again>" } == once)
  }

  @Test func newNamesAreSecret() {
    for name in ["passwords", "tokens", "dbpassword", "apikey", "rootpw", "psk", "authorization", "signature"] {
      #expect(SecretPolicy.isSecretName(name), "\(name)")
    }
    for name in ["SignatureMethod", "SignatureVersion", "token_url", "AWSAccessKeyId"] {
      #expect(!SecretPolicy.isSecretName(name), "\(name)")
    }
  }

  @Test func documentsMaskCredentialsInsideValuesAndKnownSecretsAcrossValues() throws {
    let document = try #require(
      JSONValue.parse(
        Array(
          ##"{"db": {"connection": "mysql://k:Pw-0123456@db/k"}, "admin_password": "Adm1n-pass", "deployments": [{"config": "#!/bin/sh\necho Adm1n-pass | passwd --stdin root\n"}]}"##
            .utf8)))
    let masked = SecretPolicy.masking(document, spans: SecretPolicy.spans(for: [document])) { _ in .string("<secret>") }
    #expect(
      masked.text
        == ##"{"db":{"connection":"mysql://k:<secret>@db/k"},"admin_password":"<secret>","deployments":[{"config":"#!/bin/sh\necho <secret> | passwd --stdin root\n"}]}"##
    )
  }
}
