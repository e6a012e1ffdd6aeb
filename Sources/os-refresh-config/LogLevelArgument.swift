import ArgumentParser
import RefreshRunner

/// The values `--log-level` takes, spelled as the reference spells them.
enum LogLevelArgument: String, ExpressibleByArgument, CaseIterable {
  case ERROR, WARN, CRITICAL, INFO, DEBUG

  /// The runner's level for this value.
  var level: LogLevel {
    switch self {
    case .ERROR: .error
    case .WARN: .warning
    case .CRITICAL: .critical
    case .INFO: .info
    case .DEBUG: .debug
    }
  }
}
