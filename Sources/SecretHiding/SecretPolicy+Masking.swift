import MetadataDocuments

// MARK: - Secret values in documents

extension SecretPolicy {
  /// What a secret value is shown as where no keyed digest stands for it.
  public static let maskedText = "<secret>"

  /// A copy of `value` with every secret leaf replaced by `token(leaf)` and,
  /// inside every other string, each credential `spans` finds replaced by
  /// the text of `token(.string(credential))`; `secret` says whether `value`
  /// itself lies beneath a secret key.
  public static func masking(
    _ value: JSONValue, secret: Bool = false, spans: CredentialSpans = CredentialSpans(),
    token: (JSONValue) -> JSONValue
  ) -> JSONValue {
    switch value {
    case .object(let members):
      return .object(
        members.map { member in
          let isSecret = isSecretMember(member.key, of: members, inherited: secret)
          return (member.key, masking(member.value, secret: isSecret, spans: spans, token: token))
        })
    case .array(let values):
      return .array(values.map { masking($0, secret: secret, spans: spans, token: token) })
    case .string(let text) where !secret:
      return .string(
        spans.masking(text) { credential in
          let replacement = token(.string(credential))
          if case .string(let tokenText) = replacement { return tokenText }
          return replacement.text
        })
    default:
      return secret ? token(value) : value
    }
  }

  /// Whether `value` holds any secret leaf, or a credential inside a value.
  public static func holdsSecrets(_ value: JSONValue, spans: CredentialSpans = CredentialSpans()) -> Bool {
    var found = false
    visit(value, secret: false, spans: spans) { _ in
      found = true
      return false
    }
    return found
  }

  /// Every secret leaf of `value` (by name), in document order; no string
  /// is searched.
  public static func secretLeaves(of value: JSONValue) -> [JSONValue] {
    var leaves: [JSONValue] = []
    visit(value, secret: false, spans: nil) { leaf in
      leaves.append(leaf)
      return true
    }
    return leaves
  }

  /// Calls `found` with each secret leaf and each credential inside a
  /// string, without copying the document; stops when `found` says false.
  /// Returns false once stopped.
  @discardableResult
  private static func visit(
    _ value: JSONValue, secret: Bool, spans: CredentialSpans?, found: (JSONValue) -> Bool
  ) -> Bool {
    switch value {
    case .object(let members):
      for member in members {
        let isSecret = isSecretMember(member.key, of: members, inherited: secret)
        guard visit(member.value, secret: isSecret, spans: spans, found: found) else { return false }
      }
      return true
    case .array(let values):
      for element in values {
        guard visit(element, secret: secret, spans: spans, found: found) else { return false }
      }
      return true
    case .string(let text) where !secret:
      guard let spans else { return true }
      let bytes = Array(text.utf8)
      for span in spans.ranges(in: bytes) {
        guard found(.string(String(decoding: bytes[span], as: UTF8.self))) else { return false }
      }
      return true
    default:
      return secret ? found(value) : true
    }
  }

  /// The credential spans of `documents`: by shape, and every secret leaf
  /// of any of them (and each of `alsoKnown`) wherever it appears inside
  /// another value.
  public static func spans(for documents: [JSONValue], alsoKnown: [[UInt8]] = []) -> CredentialSpans {
    CredentialSpans(known: documents.flatMap(secretLeaves).map(leafBytes) + alsoKnown)
  }

  /// A leaf as the bytes it would appear as inside other text.
  public static func leafBytes(_ leaf: JSONValue) -> [UInt8] {
    if case .string(let text) = leaf { return Array(text.utf8) }
    return Array(leaf.text.utf8)
  }

  /// `text` with each stored keyed digest of a secret (`<secret:hmac-sha256:HEX>`) shown as `<secret>`.
  public static func displayingStoredDigests(_ text: String) -> String {
    let prefix = Array("<secret:hmac-sha256:".utf8)
    let bytes = Array(text.utf8)
    guard CredentialSpans.find(prefix, in: bytes, from: 0) != nil else { return text }
    var output: [UInt8] = []
    var index = 0
    while let start = CredentialSpans.find(prefix, in: bytes, from: index) {
      output += bytes[index..<start]
      var end = start + prefix.count
      while end < bytes.count, bytes[end] != UInt8(ascii: ">") { end += 1 }
      output += Array(maskedText.utf8)
      index = min(end + 1, bytes.count)
    }
    output += bytes[index...]
    return String(decoding: output, as: UTF8.self)
  }
}
