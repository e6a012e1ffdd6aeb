/// The os-apply-config templates of a run, as one text stored once for
/// every run that saw the same templates: a line per template,
/// `SHA256 PATH<TAB>KEY KEY…` (the path relative to the templates root; the
/// keys its mustache tags name, see ``TemplateKeys``; a SHA-256 of `-` when
/// the file could not be read).
public struct TemplateManifest: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public let path: String
    public let sha256: String
    public let keys: [String]

    public init(path: String, sha256: String, keys: [String]) {
      (self.path, self.sha256, self.keys) = (path, sha256, keys)
    }
  }

  public let entries: [Entry]

  public init(entries: [Entry]) { self.entries = entries }

  /// The manifest's text.
  public var text: [UInt8] {
    Array(
      entries.map { $0.sha256 + " " + $0.path + "\t" + $0.keys.joined(separator: " ") }.joined(separator: "\n").utf8)
  }

  /// A manifest read back; lines it cannot read are left out.
  public init(text: [UInt8]) {
    entries = text.split(separator: UInt8(ascii: "\n")).compactMap { line in
      let text = String(decoding: line, as: UTF8.self)
      guard let space = text.firstIndex(of: " "), let tab = text.lastIndex(of: "\t"), space < tab else { return nil }
      let keys = text[text.index(after: tab)...].split(separator: " ").map(String.init)
      return Entry(
        path: String(text[text.index(after: space)..<tab]), sha256: String(text[..<space]), keys: keys)
    }
  }

  /// Each template's change from `old` to `new`, by path: added, removed or
  /// changed (its digest), in path order.
  public static func changes(from old: TemplateManifest, to new: TemplateManifest) -> [(
    path: String, change: String, from: Entry?, to: Entry?
  )] {
    let before = Dictionary(old.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    let after = Dictionary(new.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    return Set(before.keys).union(after.keys).sorted().compactMap { path in
      switch (before[path], after[path]) {
      case (nil, let added?): return (path, "added", nil, added)
      case (let removed?, nil): return (path, "removed", removed, nil)
      case (let old?, let new?) where old.sha256 != new.sha256: return (path, "changed", old, new)
      default: return nil
      }
    }
  }
}
