import SystemInterface

/// Which paths a refresh watches, and which under them it leaves alone.
public struct WatchScope: Sendable, Equatable {
  /// The default watched path.
  public static let defaultPaths = ["/etc"]
  /// Paths that change by themselves, not by configuration: a pattern with a
  /// `/` matches the whole path, one without matches the last component
  /// (fnmatch(3) rules). Each is said in docs/changes.md with why.
  public static let defaultExcludes = [
    "/etc/mtab", "/etc/ld.so.cache", "/etc/adjtime", "/etc/.pwd.lock", "/etc/machine-id.lock",
    "*.swp", "*.swx", "*.swo", "*~", ".#*", "4913", "*.dpkg-tmp", "*.lock.tmp",
  ]
  /// The most entries one scan lists (about 200 bytes of memory each):
  /// past it the scan is recorded as incomplete.
  public static let defaultEntryLimit = 500_000

  /// The watched roots, absolute and without a trailing `/`.
  public let paths: [String]
  /// Patterns left alone.
  public let excludes: [String]
  /// The patterns, sorted by how they can be matched without fnmatch(3)
  /// (a scan asks for every entry it lists).
  private let matcher: PathPatterns
  /// The most entries a scan lists.
  public var entryLimit = Self.defaultEntryLimit

  /// A scope over `paths` (normalized; relative or empty ones dropped) less `excludes`.
  public init(paths: [String], excludes: [String]) {
    var seen = Set<String>()
    self.paths = paths.compactMap(Self.normalized).filter { seen.insert($0).inserted }
    self.excludes = excludes
    matcher = PathPatterns(excludes)
  }

  public static func == (lhs: WatchScope, rhs: WatchScope) -> Bool {
    lhs.paths == rhs.paths && lhs.excludes == rhs.excludes && lhs.entryLimit == rhs.entryLimit
  }

  /// `path` without repeated or trailing slashes; nil when not absolute.
  static func normalized(_ path: String) -> String? {
    guard path.hasPrefix("/") else { return nil }
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    return "/" + parts.joined(separator: "/")
  }

  /// A pattern matching `path` and the files beside it whose names start
  /// with its name (a database and its journal files).
  public static func pattern(forFilesStartingWith path: String) -> String {
    var escaped = ""
    for character in path {
      if "*?[]\\".contains(character) { escaped.append("\\") }
      escaped.append(character)
    }
    return escaped + "*"
  }

  /// The same scope over `path` alone (a directory found under it).
  public func narrowed(to path: String) -> WatchScope {
    var scope = WatchScope(paths: [path], excludes: excludes)
    scope.entryLimit = entryLimit
    return scope
  }

  /// Whether `path` (absolute) is left alone.
  public func isExcluded(_ path: String) -> Bool { matcher.matches(path) }

  /// Whether `path` lies under a watched root and is not excluded.
  public func contains(_ path: String) -> Bool {
    paths.contains { path == $0 || path.hasPrefix($0 == "/" ? "/" : $0 + "/") } && !isExcluded(path)
  }
}
