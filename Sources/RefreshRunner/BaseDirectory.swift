import SystemInterface

/// Where the phase directories are looked for.
public struct BaseDirectory: Sendable, Equatable {
  /// The reference's default, `/usr/libexec/os-refresh-config`.
  public static let defaultPath = "/usr/libexec/os-refresh-config"
  /// The old default, still used when it exists and the new one does not.
  public static let deprecatedPath = "/opt/stack/os-config-refresh"

  /// The chosen path.
  public let path: String
  /// Whether it is the deprecated default (worth a WARNING).
  public let isDeprecated: Bool

  /// Chooses as the reference does, with `--base-dir` first:
  /// `option`, else `OS_REFRESH_CONFIG_BASE_DIR` (even when empty, as
  /// Python's `os.environ.get` returns it), else the default, unless only the
  /// deprecated directory exists.
  public static func resolve(
    option: String?,
    environment: [String: String],
    defaultPath: String = BaseDirectory.defaultPath,
    deprecatedPath: String = BaseDirectory.deprecatedPath,
    isDirectory: (String) -> Bool = DirectoryEntries.isDirectory
  ) -> BaseDirectory {
    if let option { return BaseDirectory(path: option, isDeprecated: false) }
    if let variable = environment["OS_REFRESH_CONFIG_BASE_DIR"] {
      return BaseDirectory(path: variable, isDeprecated: false)
    }
    if isDirectory(deprecatedPath) && !isDirectory(defaultPath) {
      return BaseDirectory(path: deprecatedPath, isDeprecated: true)
    }
    return BaseDirectory(path: defaultPath, isDeprecated: false)
  }

  /// The WARNING the reference gives when the deprecated default is used.
  public var deprecationWarning: String? {
    guard isDeprecated else { return nil }
    return "Base directory \(Self.deprecatedPath) is deprecated. The recommended base directory is \(Self.defaultPath)"
  }

  /// Checks that the directory, when it exists, can be used: a directory we
  /// may list and enter. A missing one is fine: there is nothing to run.
  public func validate() throws(RunnerError) {
    switch DirectoryEntries.read(path.isEmpty ? "." : path) {
    case .absent, .names: return
    case .notADirectory:
      throw .unusableBaseDirectory(path, reason: "not a directory")
    case .unreadable(let error):
      throw .unusableBaseDirectory(path, reason: error.reason)
    }
  }
}
