import RefreshRunner
import RefreshVocabulary
import SystemInterface

/// What `--dry-run` prints: per phase and for error.d, the scripts that would
/// run, in order, as full paths; and the environment.d files sourced first.
///
/// Directories are listed now; a script that creates scripts for a later
/// phase changes what a real run does, since each phase is listed when it starts.
public enum DryRunReport {
  /// The report for `baseDirectory` with script names matching `pattern`.
  public static func text(baseDirectory: String, pattern: RunPartsPattern) -> String {
    let environment = EnvironmentFiles.list(joinPath(baseDirectory, "environment.d"))
    var lines = [environment.paths.isEmpty ? "environment.d: (no files)" : "environment.d:"]
    lines += environment.paths.map { "  " + HumanFormat.safe($0) }
    for phase in Phase.ordered + [.error] {
      switch PhaseDirectory.inspect(joinPath(baseDirectory, phase.directoryName), pattern: pattern) {
      case .absent:
        lines.append("\(phase.rawValue): (no directory)")
      case .notADirectory:
        lines.append("\(phase.rawValue): (not a directory: the phase would fail)")
      case .unreadable(let error):
        lines.append("\(phase.rawValue): (cannot list: \(error.reason); the phase would fail)")
      case .listed(let scripts, _):
        lines.append(scripts.isEmpty ? "\(phase.rawValue): (no scripts)" : "\(phase.rawValue):")
        lines += scripts.map { "  " + HumanFormat.safe($0.path) }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// How many scripts the four phases hold now.
  public static func plannedScripts(baseDirectory: String, pattern: RunPartsPattern) -> Int {
    Phase.ordered.reduce(0) { total, phase in
      guard
        case .listed(let scripts, _) = PhaseDirectory.inspect(
          joinPath(baseDirectory, phase.directoryName), pattern: pattern)
      else { return total }
      return total + scripts.count
    }
  }
}
