/// fnmatch(3) patterns over paths, as exclusions and secret files are
/// written: a pattern with a `/` matches the whole path (`FNM_PATHNAME`),
/// one without matches the last component. Matched the cheap way where a
/// pattern allows it (asked for every entry of a scan, twice): on the
/// path's bytes, a whole path or a name without wildcards by equality,
/// `PATH*` (the history's files) by its start with no `/` after it, `*SUFFIX`
/// and `PREFIX*` names by their ends; the rest by fnmatch(3).
public struct PathPatterns: Sendable {
  private var paths: [[UInt8]] = []
  private var pathPrefixes: [[UInt8]] = []
  private var names: [[UInt8]] = []
  private var suffixes: [[UInt8]] = []
  private var prefixes: [[UInt8]] = []
  private var pathPatterns: [String] = []
  private var namePatterns: [String] = []

  /// The matcher of `patterns`.
  public init(_ patterns: [String]) {
    for pattern in patterns {
      let isPath = pattern.contains("/")
      switch Self.literal(pattern) {
      case .exact(let bytes):
        if isPath { paths.append(bytes) } else { names.append(bytes) }
      case .prefix(let bytes):
        if isPath { pathPrefixes.append(bytes) } else { prefixes.append(bytes) }
      case .suffix(let bytes) where !isPath:
        suffixes.append(bytes)
      default:
        if isPath { pathPatterns.append(pattern) } else { namePatterns.append(pattern) }
      }
    }
  }

  /// What a pattern is when its only wildcard is one `*` at an end (escaped
  /// characters taken literally): its literal bytes.
  private enum Literal {
    case exact([UInt8]), prefix([UInt8]), suffix([UInt8]), other
  }

  private static func literal(_ pattern: String) -> Literal {
    var bytes: [UInt8] = []
    var stars: [Int] = []
    var escaped = false
    for byte in pattern.utf8 {
      if escaped {
        bytes.append(byte)
        escaped = false
        continue
      }
      switch byte {
      case UInt8(ascii: "\\"): escaped = true
      case UInt8(ascii: "*"): stars.append(bytes.count)
      case UInt8(ascii: "?"), UInt8(ascii: "["): return .other
      default: bytes.append(byte)
      }
    }
    guard !escaped else { return .other }
    switch stars {
    case []: return .exact(bytes)
    case [bytes.count]: return .prefix(bytes)
    case [0]: return .suffix(bytes)
    default: return .other
    }
  }

  /// Whether any pattern matches `path`.
  public func matches(_ path: String) -> Bool {
    var contiguous = path
    return contiguous.withUTF8 { matches(bytes: $0, path: path) }
  }

  private func matches(bytes: UnsafeBufferPointer<UInt8>, path: String) -> Bool {
    let slash = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
    let name = UnsafeBufferPointer(rebasing: bytes[slash...])
    if paths.contains(where: { Self.equal(bytes, $0) }) || names.contains(where: { Self.equal(name, $0) }) {
      return true
    }
    // `*` matches no `/` under FNM_PATHNAME: the rest must be within the name.
    if pathPrefixes.contains(where: { $0.count >= slash && Self.starts(bytes, with: $0) }) { return true }
    if prefixes.contains(where: { Self.starts(name, with: $0) }) { return true }
    if suffixes.contains(where: { Self.ends(name, with: $0) }) { return true }
    guard !pathPatterns.isEmpty || !namePatterns.isEmpty else { return false }
    return pathPatterns.contains { fnmatch($0, path, FNM_PATHNAME) == 0 }
      || namePatterns.contains { fnmatch($0, String(decoding: name, as: UTF8.self), 0) == 0 }
  }

  private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: [UInt8]) -> Bool {
    bytes.count == literal.count && starts(bytes, with: literal)
  }

  private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, with literal: [UInt8]) -> Bool {
    guard bytes.count >= literal.count else { return false }
    return literal.withUnsafeBufferPointer { literal in
      literal.isEmpty || memcmp(bytes.baseAddress!, literal.baseAddress!, literal.count) == 0
    }
  }

  private static func ends(_ bytes: UnsafeBufferPointer<UInt8>, with literal: [UInt8]) -> Bool {
    guard bytes.count >= literal.count else { return false }
    return starts(UnsafeBufferPointer(rebasing: bytes[(bytes.count - literal.count)...]), with: literal)
  }
}
