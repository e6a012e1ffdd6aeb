/// The metadata keys an os-apply-config (mustache) template names.
///
/// `{{a.b}}` names `a.b`; inside `{{#a}}…{{/a}}` a tag `{{b}}` names `a.b`
/// (where mustache looks first) and `{{.}}` names `a`; the section itself is
/// given with a leading `#` (`#a`): the template reads whether it is there
/// and its items, not every key beneath it. Comments, partials and what
/// follows a change of delimiters are not read.
public enum TemplateKeys {
  /// The names, each once, in the order first named.
  public static func names(in bytes: [UInt8]) -> [String] {
    var names: [String] = []
    var seen = Set<String>()
    func add(_ name: String) {
      if !name.isEmpty, seen.insert(name).inserted { names.append(name) }
    }
    var sections: [String] = []
    var index = 0
    let (open, close) = (UInt8(ascii: "{"), UInt8(ascii: "}"))
    while index + 1 < bytes.count {
      guard bytes[index] == open, bytes[index + 1] == open else {
        index += 1
        continue
      }
      var start = index + 2
      let triple = start < bytes.count && bytes[start] == open
      if triple { start += 1 }
      var end = start
      while end + 1 < bytes.count, !(bytes[end] == close && bytes[end + 1] == close) { end += 1 }
      guard end + 1 < bytes.count else { break }
      index = end + (triple && end + 2 < bytes.count && bytes[end + 2] == close ? 3 : 2)
      let tag = trimmed(bytes[start..<end])
      guard let sigil = tag.first else { continue }
      let rest = trimmed(tag.dropFirst())
      let scope = sections.last
      switch sigil {
      case UInt8(ascii: "#"), UInt8(ascii: "^"):
        let name = qualified(text(rest), in: scope)
        add("#" + name)
        sections.append(name)
      case UInt8(ascii: "/"):
        if !sections.isEmpty { sections.removeLast() }
      case UInt8(ascii: "!"), UInt8(ascii: ">"):
        continue
      case UInt8(ascii: "="):
        return names
      case UInt8(ascii: "&"):
        add(qualified(text(rest), in: scope))
      default:
        add(qualified(text(tag), in: scope))
      }
    }
    return names
  }

  /// Whether a change of `key` (a diff path, items by identity or index)
  /// touches what `name` (from ``names(in:)``) reads: the key itself, a key
  /// beneath a value read whole, or a whole subtree holding it; for a
  /// section, the section itself or a subtree holding it.
  public static func reads(_ name: String, key: String) -> Bool {
    let plainKey = unindexed(key)
    if name.hasPrefix("#") {
      let section = String(name.dropFirst())
      return plainKey == section || section.hasPrefix(plainKey + ".")
    }
    return plainKey == name || plainKey.hasPrefix(name + ".") || name.hasPrefix(plainKey + ".")
  }

  /// A diff path without its list items: `deployments[dep-x].inputs.0.value`
  /// is `deployments.inputs.value`, as a mustache section over a list names it.
  public static func unindexed(_ key: String) -> String {
    var parts: [Substring] = []
    for part in key.split(separator: ".", omittingEmptySubsequences: false) {
      let name = part.firstIndex(of: "[").map { part[..<$0] } ?? part
      if name.isEmpty || name.allSatisfy(\.isNumber) { continue }
      parts.append(name)
    }
    return parts.joined(separator: ".")
  }

  private static func qualified(_ name: String, in scope: String?) -> String {
    guard let scope else { return name == "." ? "" : name }
    return name == "." ? scope : scope + "." + name
  }

  private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

  private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let first = slice.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D {
      slice = slice.dropFirst()
    }
    while let last = slice.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D {
      slice = slice.dropLast()
    }
    return slice
  }
}
