import MetadataDocuments
import Testing

@testable import SecretHiding

/// What counts as secret, on names real metadata carries (Heat, TripleO,
/// os-apply-config templates), both ways.
@Suite struct SecretPolicyTests {
  @Test(arguments: [
    "password", "db_password", "RabbitPassword", "KeystoneFernetKey0", "RabbitCookie", "auth_encryption_key",
    "HeatAuthEncryptionKey", "AdminToken", "MysqlRootPassword", "MysqlClustercheckPassword", "PcsdPassword",
    "HorizonSecret", "CephClientKey", "ssh_private_key", "api_key", "SSLKey", "NovaPassword", "admin-pass",
    "keystone.admin_token", "ceph.keys", "OS_PASSWORD", "stack_user_passwd", "SnmpdReadonlyUserPassword",
    "credentials", "secret key", "key",
    // Real OpenStack and TripleO parameter and hiera names (heat-templates,
    // puppet-*), spelled every way they are written.
    "adminpass", "adminPass", "rootpass", "dbpass", "mysql_rootpassword", "clientsecret", "authtoken",
    "BarbicanSimpleCryptoKek", "htpasswd", "aws_secretkey", "accesskey", "keystone::admin_password",
    "nova::rabbit_password", "heat::auth_encryption_key", "HeatStackDomainAdminPassword",
    "NeutronMetadataProxySharedSecret",
    "OctaviaCaKeyPassphrase", "MigrationSshKey", "rabbitmq_erlang_cookie", "memcache_secret_key", "ipmi_password",
    "bmc_pass", "pre_shared_key", "ceph::profile::params::mon_key", "KeystoneCredential0", "HAProxyStatsPassword",
    "RedisPassword", "oauth_consumer_secret", "sasl_password", "os_auth_token", "X-Auth-Token",
  ])
  func secretNames(name: String) {
    #expect(SecretPolicy.isSecretName(name), "\(name): \(SecretPolicy.words(of: name))")
    // The prefilter that skips documents naming no secret lets it through.
    #expect(SecretPolicy.mayNameSecrets(Array(name.utf8)), "\(name)")
  }

  @Test(arguments: [
    "keystone", "keystone.host", "monkey", "keepalived", "keepalived.router", "tokenizer", "passenger", "bypass_url",
    "key_name", "password_file", "token_url", "ssl_key_path", "KeystoneRegion", "deploy_server_id", "hostname",
    "Monkeypatch", "compass", "Passive", "servers", "hotkey", "pinned_cpus", "surpass", "passthrough", "overpass",
    "password_hash_algorithm", "pci_passthrough_whitelist", "vcpu_pin_set",
    "CephClusterFSID", "tls_cert", "ssh_public_key_name",
  ])
  func harmlessNames(name: String) {
    #expect(!SecretPolicy.isSecretName(name), "\(name): \(SecretPolicy.words(of: name))")
  }

  @Test func theNamesAnsweredWithoutTheCacheAreJudgedNotSecretAnyway() {
    for name in SecretPolicy.commonNames {
      #expect(!SecretPolicy.judgeName(name), "\(name)")
    }
  }

  @Test func namesSplitIntoTheirWords() {
    #expect(SecretPolicy.words(of: "KeystoneFernetKey0") == ["keystone", "fernet", "key", "0"])
    #expect(SecretPolicy.words(of: "auth_encryption_key") == ["auth", "encryption", "key"])
    #expect(SecretPolicy.words(of: "SSLKey") == ["ssl", "key"])
    #expect(SecretPolicy.words(of: "ec2-api.token v2") == ["ec", "2", "api", "token", "v", "2"])
  }
}

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

@Suite struct SecretMaskingTests {
  func parse(_ text: String) -> JSONValue { JSONValue.parse(Array(text.utf8))! }

  @Test func heatInputsAreSecretByTheirNameAtAnyDepth() {
    let deployments = parse(
      #"{"deployments": [{"inputs": [{"name": "db_password", "value": "hunter2", "type": "String"}, {"name": "bridge", "value": "br-ex"}]}]}"#
    )
    let masked = SecretPolicy.masking(deployments) { _ in .string("<secret>") }
    #expect(
      masked.text
        == #"{"deployments":[{"inputs":[{"name":"db_password","value":"<secret>","type":"String"},{"name":"bridge","value":"br-ex"}]}]}"#
    )
    #expect(SecretPolicy.holdsSecrets(deployments))
    #expect(!SecretPolicy.holdsSecrets(parse(#"{"keystone": {"host": "h"}, "monkey": 1}"#)))
  }
}
