import RunForensics
import Testing

/// What counts as secret, on names real metadata carries (Heat, TripleO,
/// os-apply-config templates), both ways.
@Suite struct SecretPolicyTests {
  @Test(arguments: [
    "password", "db_password", "RabbitPassword", "KeystoneFernetKey0", "RabbitCookie", "auth_encryption_key",
    "HeatAuthEncryptionKey", "AdminToken", "MysqlRootPassword", "MysqlClustercheckPassword", "PcsdPassword",
    "HorizonSecret", "CephClientKey", "ssh_private_key", "api_key", "SSLKey", "NovaPassword", "admin-pass",
    "keystone.admin_token", "ceph.keys", "OS_PASSWORD", "stack_user_passwd", "SnmpdReadonlyUserPassword",
    "credentials", "secret key", "key",
  ])
  func secretNames(name: String) {
    #expect(SecretPolicy.isSecretName(name), "\(name): \(SecretPolicy.words(of: name))")
  }

  @Test(arguments: [
    "keystone", "keystone.host", "monkey", "keepalived", "keepalived.router", "tokenizer", "passenger", "bypass_url",
    "key_name", "password_file", "token_url", "ssl_key_path", "KeystoneRegion", "deploy_server_id", "hostname",
    "Monkeypatch", "compass", "Passive", "servers",
  ])
  func harmlessNames(name: String) {
    #expect(!SecretPolicy.isSecretName(name), "\(name): \(SecretPolicy.words(of: name))")
  }

  @Test func namesSplitIntoTheirWords() {
    #expect(SecretPolicy.words(of: "KeystoneFernetKey0") == ["keystone", "fernet", "key", "0"])
    #expect(SecretPolicy.words(of: "auth_encryption_key") == ["auth", "encryption", "key"])
    #expect(SecretPolicy.words(of: "SSLKey") == ["ssl", "key"])
    #expect(SecretPolicy.words(of: "ec2-api.token v2") == ["ec", "2", "api", "token", "v", "2"])
  }
}
