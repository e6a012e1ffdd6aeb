import MetadataDocuments
import SecretHiding

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
  /// The same path with every list item by its position (in the new
  /// document, or the old one for what was removed): how
  /// `os-apply-config --key` names it (`deployments.3.inputs.0.value`).
  public var positionalKey: String = ""
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
    changes(
      fromText: Array(old.text.utf8), toText: Array(new.text.utf8), showSecrets: showSecrets,
      spans: SecretPolicy.spans(for: [old, new])) ?? []
  }

  /// The changes between two JSON texts, read lazily: subtrees whose bytes
  /// are equal are skipped without being built. `spans` are the known
  /// secrets masked inside shown values (with the shapes every value is
  /// searched for). Nil when either text is not JSON.
  public static func changes(fromText old: [UInt8], toText new: [UInt8], showSecrets: Bool, spans: CredentialSpans)
    -> [KeyChange]?
  {
    changes(fromText: old, toText: new, common: CommonEnds(old, new), showSecrets: showSecrets, spans: { spans })
  }

  /// ``changes(fromText:toText:showSecrets:spans:)`` of texts whose shared
  /// ends are `common`, with the spans asked for only when a value is first
  /// shown (they may still be worked out).
  static func changes(
    fromText old: [UInt8], toText new: [UInt8], common: CommonEnds, showSecrets: Bool,
    spans: @escaping () -> CredentialSpans
  ) -> [KeyChange]? {
    let (a, b) = JSONSkim.pair(old: old, new: new, common: common)
    guard let oldRoot = a.root, let newRoot = b.root else { return nil }
    var walk = SkimWalk(old: a, new: b, common: common, display: Display(showSecrets: showSecrets, spans: spans))
    guard walk.compare(oldRoot, newRoot, path: Path(), secret: false) else { return nil }
    return walk.result
  }

  /// How values are shown: in clear with `showSecrets`, else with every
  /// secret leaf left out and every credential inside a value (by shape, a
  /// known secret, or a stored keyed digest) shown as `<secret>`.
  struct Display {
    let showSecrets: Bool
    let spans: () -> CredentialSpans

    func shown(_ value: JSONValue?, secret: Bool) -> JSONValue? {
      guard let value else { return nil }
      if showSecrets { return value }
      return secret ? nil : storedDigestsHidden(SecretPolicy.masking(value, spans: spans()) { _ in .string(masked) })
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

  static func joined(_ path: String, _ member: String) -> String {
    path.isEmpty ? member : path + "." + member
  }

  /// Where a walk is: the path as shown, and by position.
  struct Path {
    var shown = ""
    var positional = ""

    func member(_ key: String) -> Path {
      Path(shown: joined(shown, key), positional: joined(positional, key))
    }

    func item(at index: Int) -> Path {
      Path(shown: joined(shown, String(index)), positional: joined(positional, String(index)))
    }

    func item(identifiedBy id: String, at index: Int) -> Path {
      Path(shown: shown + "[" + id + "]", positional: joined(positional, String(index)))
    }
  }
}

/// One lazy comparison of two texts.
struct SkimWalk {
  let old: JSONSkim
  let new: JSONSkim
  /// What the two texts share at their ends: subtrees there are equal.
  let common: CommonEnds
  let display: MetadataDiff.Display
  var result: [KeyChange] = []
  /// How deep the walk is: past the parser's limit a text is not taken for JSON.
  private var depth = 0

  init(old: JSONSkim, new: JSONSkim, common: CommonEnds, display: MetadataDiff.Display) {
    (self.old, self.new, self.common, self.display) = (old, new, common, display)
  }

  /// Compares `a` of the old text with `b` of the new (nil: absent there).
  /// False when a part is not JSON.
  mutating func compare(_ a: Range<Int>?, _ b: Range<Int>?, path: MetadataDiff.Path, secret: Bool) -> Bool {
    // Equal subtrees hold no change: skipped whole, by their bytes.
    if let a, let b,
      common.sameBytes(a, oldCount: old.bytes.count, b) || JSONSkim.equal(old, a, new, b)
    {
      return true
    }
    depth += 1
    defer { depth -= 1 }
    guard depth < JSONSkim.maximumDepth else { return false }
    if let a, let b, old.kind(a) == UInt8(ascii: "{"), new.kind(b) == UInt8(ascii: "{") {
      return compareObjects(a, b, path: path, secret: secret)
    }
    if let a, let b, old.kind(a) == UInt8(ascii: "["), new.kind(b) == UInt8(ascii: "[") {
      return compareArrays(a, b, path: path, secret: secret)
    }
    let before = a.map { old.value($0) }
    let after = b.map { new.value($0) }
    if before == .some(nil) || after == .some(nil) { return false }
    let (from, to) = (before ?? nil, after ?? nil)
    // Equal once built (formatting or escapes differ): no change.
    if from == to { return true }
    let change: KeyChange.Kind = from == nil ? .added : to == nil ? .removed : .changed
    let (shownFrom, shownTo) = (display.shown(from, secret: secret), display.shown(to, secret: secret))
    // Shown alike but different: what changed is a credential inside the value.
    let hiddenChange = change == .changed && !secret && shownFrom == shownTo
    result.append(
      KeyChange(
        key: path.shown.isEmpty ? "." : path.shown, change: change, from: shownFrom, to: shownTo,
        secret: secret || hiddenChange, positionalKey: path.positional.isEmpty ? "." : path.positional))
    return true
  }

  private mutating func compareObjects(_ a: Range<Int>, _ b: Range<Int>, path: MetadataDiff.Path, secret: Bool)
    -> Bool
  {
    guard let oldMembers = old.members(a), let newMembers = new.members(b) else { return false }
    let (oldShallow, newShallow) = (old.shallow(oldMembers), new.shallow(newMembers))
    let newByKey = Dictionary(newMembers.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    let oldKeys = Set(oldMembers.map(\.key))
    for member in oldMembers {
      let isSecret =
        SecretPolicy.isSecretMember(member.key, of: oldShallow, inherited: secret)
        || SecretPolicy.isSecretMember(member.key, of: newShallow, inherited: secret)
      guard
        compare(member.value, newByKey[member.key], path: path.member(member.key), secret: isSecret)
      else { return false }
    }
    for member in newMembers where !oldKeys.contains(member.key) {
      let isSecret = SecretPolicy.isSecretMember(member.key, of: newShallow, inherited: secret)
      guard compare(nil, member.value, path: path.member(member.key), secret: isSecret) else {
        return false
      }
    }
    return true
  }

  private mutating func compareArrays(_ a: Range<Int>, _ b: Range<Int>, path: MetadataDiff.Path, secret: Bool)
    -> Bool
  {
    guard let oldItems = old.items(a), let newItems = new.items(b) else { return false }
    let shallow = { (skim: JSONSkim, item: Range<Int>) -> JSONValue in
      skim.kind(item) == UInt8(ascii: "{") ? skim.shallowMembers(item).map { .object($0) } ?? .null : .null
    }
    let oldShallow = oldItems.map { shallow(old, $0) }
    // An item in the texts' shared start or end is the old one's, read once.
    let oldIndex = Dictionary(
      oldItems.enumerated().map { ($1.lowerBound, $0) }, uniquingKeysWith: { first, _ in first })
    let newShallow = newItems.map { item -> JSONValue in
      let place = item.upperBound <= common.prefix ? item.lowerBound : item.lowerBound - common.shift
      if let index = oldIndex[place], common.sameBytes(oldItems[index], oldCount: old.bytes.count, item) {
        return oldShallow[index]
      }
      return shallow(new, item)
    }
    guard let identity = ListIdentity.common(oldShallow, newShallow) else {
      for index in 0..<max(oldItems.count, newItems.count) {
        guard
          compare(
            index < oldItems.count ? oldItems[index] : nil, index < newItems.count ? newItems[index] : nil,
            path: path.item(at: index), secret: secret)
        else { return false }
      }
      return true
    }
    // Items matched by identity: in old's order, then those only in new. Moving one is no change.
    var newByID: [String: (item: Range<Int>, index: Int)] = [:]
    for (index, (item, value)) in zip(newItems, newShallow).enumerated() where newByID[identity.of(value)!] == nil {
      newByID[identity.of(value)!] = (item, index)
    }
    let oldIDs = Set(oldShallow.map { identity.of($0)! })
    for (index, (item, value)) in zip(oldItems, oldShallow).enumerated() {
      let id = identity.of(value)!
      let new = newByID[id]
      guard compare(item, new?.item, path: path.item(identifiedBy: id, at: new?.index ?? index), secret: secret)
      else { return false }
    }
    for (index, (item, value)) in zip(newItems, newShallow).enumerated() where !oldIDs.contains(identity.of(value)!) {
      guard compare(nil, item, path: path.item(identifiedBy: identity.of(value)!, at: index), secret: secret) else {
        return false
      }
    }
    return true
  }
}

/// How the items of a list of objects are told apart: by `name` (Heat's
/// `deployments`, whose `id` is the derived config's and changes with every
/// input; a deployment's `inputs` and `outputs`), else by `id`.
enum ListIdentity {
  case id, name

  /// The member both lists identify their items by: every item of both an
  /// object with that member a string or number, unique within its list;
  /// `name` before `id`. Nil when the lists are not like that (then they
  /// are compared by position).
  static func common(_ a: [JSONValue], _ b: [JSONValue]) -> ListIdentity? {
    guard !(a.isEmpty && b.isEmpty) else { return nil }
    for identity in [ListIdentity.name, .id] where identity.identifies(a) && identity.identifies(b) {
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
