import ContentEncoding
import MetadataDocuments
import RefreshStore
import SecretHiding

/// How secrets are kept when they are not stored in clear: keyed digests
/// under the database's key, written the same way by recording and by the
/// scrub of older databases.
struct SecretDigests {
  /// The key; nil when it could not be had (then no digest is kept).
  let key: [UInt8]?

  /// What a secret value is stored as: `<secret:hmac-sha256:HEX>` of its
  /// JSON text, or `<secret>` without a key.
  func token(_ value: JSONValue) -> JSONValue {
    guard let key else { return .string(SecretPolicy.maskedText) }
    return .string("<secret:hmac-sha256:\(ContentDigest.hmacSHA256Hex(key: key, Array(value.text.utf8)))>")
  }

  /// The keyed digest of content that may hold secrets, as stored
  /// (`hmac-sha256:HEX`, never under a name that says SHA-256); nil without a key.
  func digest(_ bytes: [UInt8]) -> String? {
    key.map { ContentDigest.keyedPrefix + ContentDigest.hmacSHA256Hex(key: $0, bytes) }
  }
}
