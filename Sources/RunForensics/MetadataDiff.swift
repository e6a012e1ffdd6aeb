import MetadataDocuments

/// How one key of two JSON documents differs.
public struct KeyChange: Equatable, Sendable {
  /// `added`, `removed` or `changed`.
  public enum Kind: String, Sendable {
    case added, removed, changed
  }
  /// The dotted path, list items by identity where they have one
  /// (`deployments[dep-x].inputs[db_password].value`), else by index
  /// (`servers.0.name`).
  public let key: String
  public let change: Kind
  /// The old value, secrets inside masked; nil when added, or when the value
  /// itself is secret and not shown.
  public let from: JSONValue?
  /// The new value likewise; nil when removed or secret.
  public let to: JSONValue?
  /// Whether the value is secret (``SecretPolicy``), or a credential inside
  /// it changed (then `from` and `to` are given, the credential masked).
  public let secret: Bool
}

/// Compares two metadata documents key by key, under ``SecretPolicy``.
public enum MetadataDiff {
  /// What a secret value is shown as.
  public static let masked = SecretPolicy.maskedText

  /// The changed leaves between `old` and `new`, in document order (old's
  /// order, then keys only in new). Secret values are never given unless
  /// `showSecrets`; secrets inside an added, removed or retyped subtree are
  /// masked in it.
  public static func changes(from old: JSONValue, to new: JSONValue, showSecrets: Bool) -> [KeyChange] {
    var result: [KeyChange] = []
    let display = Display(showSecrets: showSecrets, spans: SecretPolicy.spans(for: [old, new]))
    compare(old, new, path: "", secret: false, display: display, into: &result)
    return result
  }

  /// How values are shown: in clear with `showSecrets`, else with every
  /// secret leaf left out and every credential inside a value (by shape, a
  /// known secret, or a stored keyed digest) shown as `<secret>`.
  struct Display {
    let showSecrets: Bool
    let spans: CredentialSpans

    func shown(_ value: JSONValue?, secret: Bool) -> JSONValue? {
      guard let value else { return nil }
      if showSecrets { return value }
      return secret ? nil : storedDigestsHidden(SecretPolicy.masking(value, spans: spans) { _ in .string(masked) })
    }

    private func storedDigestsHidden(_ value: JSONValue) -> JSONValue {
      switch value {
      case .string(let text): return .string(SecretPolicy.displayingStoredDigests(text))
      case .array(let values): return .array(values.map(storedDigestsHidden))
      case .object(let members): return .object(members.map { ($0.key, storedDigestsHidden($0.value)) })
      default: return value
      }
    }
  }

  private static func compare(
    _ old: JSONValue?, _ new: JSONValue?, path: String, secret: Bool, display: Display,
    into result: inout [KeyChange]
  ) {
    // Equal subtrees hold no change: skipped whole. Along the path to a
    // change each level is compared once more, so the walk stays linear.
    if let old, let new, old == new { return }
    if case .object(let a)? = old, case .object(let b)? = new {
      let newMembers = Dictionary(b.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
      let oldKeys = Set(a.map(\.key))
      for member in a {
        let isSecret =
          SecretPolicy.isSecretMember(member.key, of: a, inherited: secret)
          || SecretPolicy.isSecretMember(member.key, of: b, inherited: secret)
        compare(
          member.value, newMembers[member.key], path: joined(path, member.key), secret: isSecret, display: display,
          into: &result)
      }
      for member in b where !oldKeys.contains(member.key) {
        compare(
          nil, member.value, path: joined(path, member.key),
          secret: SecretPolicy.isSecretMember(member.key, of: b, inherited: secret), display: display,
          into: &result)
      }
      return
    }
    if case .array(let a)? = old, case .array(let b)? = new {
      if let identity = ListIdentity.common(a, b) {
        compareByIdentity(a, b, identity: identity, path: path, secret: secret, display: display, into: &result)
        return
      }
      for index in 0..<max(a.count, b.count) {
        compare(
          index < a.count ? a[index] : nil, index < b.count ? b[index] : nil, path: joined(path, String(index)),
          secret: secret, display: display, into: &result)
      }
      return
    }
    let change: KeyChange.Kind = old == nil ? .added : new == nil ? .removed : .changed
    let (from, to) = (display.shown(old, secret: secret), display.shown(new, secret: secret))
    // Shown alike but different: what changed is a credential inside the value.
    let hiddenChange = change == .changed && !secret && from == to
    result.append(
      KeyChange(
        key: path.isEmpty ? "." : path, change: change, from: from, to: to, secret: secret || hiddenChange))
  }

  /// Items matched by their identity (`id` or `name`): in old's order, then
  /// the items only in new. Moving an item is no change.
  private static func compareByIdentity(
    _ a: [JSONValue], _ b: [JSONValue], identity: ListIdentity, path: String, secret: Bool, display: Display,
    into result: inout [KeyChange]
  ) {
    let newItems = Dictionary(b.map { (identity.of($0)!, $0) }, uniquingKeysWith: { first, _ in first })
    let oldIDs = Set(a.map { identity.of($0)! })
    for item in a {
      let id = identity.of(item)!
      compare(item, newItems[id], path: path + "[" + id + "]", secret: secret, display: display, into: &result)
    }
    for item in b {
      let id = identity.of(item)!
      guard !oldIDs.contains(id) else { continue }
      compare(nil, item, path: path + "[" + id + "]", secret: secret, display: display, into: &result)
    }
  }

  private static func joined(_ path: String, _ member: String) -> String {
    path.isEmpty ? member : path + "." + member
  }
}

/// How the items of a list of objects are told apart: Heat's `deployments`
/// by `id`, a deployment's `inputs` and `outputs` by `name`.
enum ListIdentity {
  case id, name

  /// The member both lists identify their items by: every item of both an
  /// object with that member a string or number, unique within its list;
  /// `id` before `name`. Nil when the lists are not like that (then they
  /// are compared by position).
  static func common(_ a: [JSONValue], _ b: [JSONValue]) -> ListIdentity? {
    guard !(a.isEmpty && b.isEmpty) else { return nil }
    for identity in [ListIdentity.id, .name] where identity.identifies(a) && identity.identifies(b) {
      return identity
    }
    return nil
  }

  var member: String { self == .id ? "id" : "name" }

  /// The item's identity, or nil when it has none.
  func of(_ item: JSONValue) -> String? {
    guard case .object(let members) = item, let value = members.first(where: { $0.key == member })?.value else {
      return nil
    }
    switch value {
    case .string(let text) where !text.isEmpty: return text
    case .number(let text): return text
    default: return nil
    }
  }

  private func identifies(_ items: [JSONValue]) -> Bool {
    var seen = Set<String>()
    for item in items {
      guard let id = of(item), seen.insert(id).inserted else { return false }
    }
    return true
  }
}
