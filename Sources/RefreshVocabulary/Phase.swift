/// A group of scripts run together: the four configuration phases in their
/// fixed order, and the error handlers.
public enum Phase: String, CaseIterable, Sendable, Hashable, Comparable, Codable {
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

  /// Its place in a run: 0 for pre-configure … 3 for migration, 4 for error.
  public var position: Int {
    switch self {
    case .preConfigure: 0
    case .configure: 1
    case .postConfigure: 2
    case .migration: 3
    case .error: 4
    }
  }

  /// Phases compare by their place in a run.
  public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.position < rhs.position }
}
