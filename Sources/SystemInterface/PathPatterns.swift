/// fnmatch(3) patterns over paths, as exclusions and secret files are
/// written: a pattern with a `/` matches the whole path (`FNM_PATHNAME`),
/// one without matches the last component. Matched the cheap way where a
/// pattern allows it (asked for every entry of a scan): a whole path or a
/// name without wildcards by equality, `*SUFFIX` and `PREFIX*` names by
/// their ends; the rest by fnmatch(3).
public struct PathPatterns: Sendable {
  private var paths = Set<String>()
  private var names = Set<String>()
  private var suffixes: [String] = []
  private var prefixes: [String] = []
  private var pathPatterns: [String] = []
  private var namePatterns: [String] = []

  /// The matcher of `patterns`.
  public init(_ patterns: [String]) {
    let special: Set<Character> = ["*", "?", "[", "\\"]
    for pattern in patterns {
      let wild = pattern.filter { special.contains($0) }
      if pattern.contains("/") {
        if wild.isEmpty { paths.insert(pattern) } else { pathPatterns.append(pattern) }
      } else if wild.isEmpty {
        names.insert(pattern)
      } else if wild == "*", pattern.hasPrefix("*") {
        suffixes.append(String(pattern.dropFirst()))
      } else if wild == "*", pattern.hasSuffix("*") {
        prefixes.append(String(pattern.dropLast()))
      } else {
        namePatterns.append(pattern)
      }
    }
  }

  /// Whether any pattern matches `path`.
  public func matches(_ path: String) -> Bool {
    if paths.contains(path) { return true }
    let bytes = path.utf8
    let name =
      bytes.lastIndex(of: UInt8(ascii: "/")).map { Substring(path[bytes.index(after: $0)...]) } ?? Substring(path)
    if names.contains(String(name)) { return true }
    let nameBytes = name.utf8
    if suffixes.contains(where: {
      nameBytes.count >= $0.utf8.count && nameBytes.suffix($0.utf8.count).elementsEqual($0.utf8)
    })
      || prefixes.contains(where: { nameBytes.starts(with: $0.utf8) })
    {
      return true
    }
    return pathPatterns.contains { fnmatch($0, path, FNM_PATHNAME) == 0 }
      || namePatterns.contains { fnmatch($0, String(name), 0) == 0 }
  }
}
