import RefreshRunner

/// What `--dry-run` prints: per phase and for error.d, the scripts that would
/// run, in order, as full paths; and the environment.d files sourced first.
///
/// Directories are listed now; a script that creates scripts for a later
/// phase changes what a real run does, since each phase is listed when it starts.
struct DryRunReport {
  let baseDirectory: String
  let pattern: RunPartsPattern

  var text: String {
    var lines: [String] = []
    let environment = EnvironmentFiles.list(path("environment.d"))
    lines.append(environment.paths.isEmpty ? "environment.d: (no files)" : "environment.d:")
    lines += environment.paths.map { "  " + $0 }
    for phase in Phase.ordered + [.error] {
      switch PhaseDirectory.inspect(path(phase.directoryName), pattern: pattern) {
      case .absent:
        lines.append("\(phase.rawValue): (no directory)")
      case .notADirectory:
        lines.append("\(phase.rawValue): (not a directory: the phase would fail)")
      case .unreadable(let error):
        lines.append("\(phase.rawValue): (cannot list: \(error.reason); the phase would fail)")
      case .listed(let scripts, _):
        lines.append(scripts.isEmpty ? "\(phase.rawValue): (no scripts)" : "\(phase.rawValue):")
        lines += scripts.map { "  " + $0.path }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// How many scripts the four phases hold now.
  static func plannedScripts(baseDirectory: String, pattern: RunPartsPattern) -> Int {
    let report = DryRunReport(baseDirectory: baseDirectory, pattern: pattern)
    return Phase.ordered.reduce(0) { total, phase in
      guard case .listed(let scripts, _) = PhaseDirectory.inspect(report.path(phase.directoryName), pattern: pattern)
      else { return total }
      return total + scripts.count
    }
  }

  private func path(_ name: String) -> String {
    baseDirectory.isEmpty || baseDirectory.hasSuffix("/") ? baseDirectory + name : baseDirectory + "/" + name
  }
}
