/// A group of scripts run together: the four configuration phases in their
/// fixed order, and the error handlers.
public enum Phase: String, CaseIterable, Sendable, Hashable {
  case preConfigure = "pre-configure"
  case configure = "configure"
  case postConfigure = "post-configure"
  case migration = "migration"
  /// The handlers in `error.d`, run when a phase fails.
  case error = "error"

  /// The four configuration phases in the order they run (`error` excluded).
  public static let ordered: [Phase] = [.preConfigure, .configure, .postConfigure, .migration]

  /// The phase's directory name inside the base directory, e.g. `configure.d`.
  public var directoryName: String { rawValue + ".d" }
}

/// Joins a directory and a name as Python's `os.path.join` does for two
/// relative parts: no separator is added after an empty or slash-ended base.
func joinPath(_ base: String, _ name: String) -> String {
  if base.isEmpty || base.hasSuffix("/") { return base + name }
  return base + "/" + name
}
