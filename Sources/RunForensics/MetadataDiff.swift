/// How one key of two JSON documents differs.
public struct KeyChange: Equatable, Sendable {
  /// `added`, `removed` or `changed`.
  public enum Kind: String, Sendable {
    case added, removed, changed
  }
  /// The dotted path, list items by index: `neutron.ovs.bridge_mappings`, `servers.0.name`.
  public let key: String
  public let change: Kind
  /// The old value as JSON text, or `<masked>`; nil when added.
  public let from: String?
  /// The new value as JSON text, or `<masked>`; nil when removed.
  public let to: String?
}

/// Compares two metadata documents key by key.
public enum MetadataDiff {
  /// The text shown instead of a secret value.
  public static let masked = "<masked>"
  static let secretWords = ["password", "secret", "token", "key", "credential"]

  /// Whether a key name looks like it holds a secret (case-insensitive).
  public static func looksSecret(_ name: String) -> Bool {
    let lowered = name.lowercased()
    return secretWords.contains { lowered.contains($0) }
  }

  /// The changed leaves between `old` and `new`, in document order (old's
  /// order, then keys only in new). Values under a secret-looking key, at any
  /// depth, are masked unless `showSecrets`.
  public static func changes(from old: JSONValue, to new: JSONValue, showSecrets: Bool) -> [KeyChange] {
    var result: [KeyChange] = []
    compare(old, new, path: [], secret: false, showSecrets: showSecrets, into: &result)
    return result
  }

  private static func compare(
    _ old: JSONValue?, _ new: JSONValue?, path: [String], secret: Bool, showSecrets: Bool,
    into result: inout [KeyChange]
  ) {
    if case .object(let a)? = old, case .object(let b)? = new {
      let newKeys = Dictionary(b.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
      let oldKeys = Set(a.map(\.key))
      for member in a {
        compare(
          member.value, newKeys[member.key], path: path + [member.key], secret: secret || looksSecret(member.key),
          showSecrets: showSecrets, into: &result)
      }
      for member in b where !oldKeys.contains(member.key) {
        compare(
          nil, member.value, path: path + [member.key], secret: secret || looksSecret(member.key),
          showSecrets: showSecrets, into: &result)
      }
      return
    }
    if case .array(let a)? = old, case .array(let b)? = new {
      for index in 0..<max(a.count, b.count) {
        compare(
          index < a.count ? a[index] : nil, index < b.count ? b[index] : nil, path: path + [String(index)],
          secret: secret, showSecrets: showSecrets, into: &result)
      }
      return
    }
    guard old != new else { return }
    let key = path.isEmpty ? "." : path.joined(separator: ".")
    func shown(_ value: JSONValue?) -> String? {
      guard let value else { return nil }
      return secret && !showSecrets ? masked : value.text
    }
    let change: KeyChange.Kind = old == nil ? .added : new == nil ? .removed : .changed
    result.append(KeyChange(key: key, change: change, from: shown(old), to: shown(new)))
  }

  /// A copy of `value` whose secret-looking keys' values are replaced by
  /// `"<redacted:sha256:HEX>"`, the hash of their JSON text given by `hash`,
  /// so that two documents still compare equal exactly when the secrets do.
  public static func redacted(_ value: JSONValue, hash: (String) -> String, secret: Bool = false) -> JSONValue {
    switch value {
    case .object(let members):
      return .object(
        members.map { ($0.key, redacted($0.value, hash: hash, secret: secret || looksSecret($0.key))) })
    case .array(let values):
      return .array(values.map { redacted($0, hash: hash, secret: secret) })
    default:
      return secret ? .string("<redacted:sha256:\(hash(value.text))>") : value
    }
  }
}
