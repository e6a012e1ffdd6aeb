import RefreshRunner

#if canImport(Glibc)
  import Glibc
#endif

/// Writes the run's log to stderr in the reference's format,
/// `[2026-11-24 10:02:11,123] (os-refresh-config) [INFO] message`, and the
/// profiling table of each phase as dib-run-parts prints it.
final class ConsoleLog: RunObserver {
  private let threshold: LogLevel
  private let clock = RunClock()
  private var durations: [(name: String, nanoseconds: Int64)] = []

  init(threshold: LogLevel) {
    self.threshold = threshold
  }

  func log(_ level: LogLevel, _ message: String) {
    guard level >= threshold else { return }
    let line = "[\(Timestamp.logTime(clock.wallMicroseconds()))] (os-refresh-config) [\(level.name)] \(message)\n"
    Self.writeStandardError(line)
  }

  func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    durations.append((script.name, outcome.durationNanoseconds))
  }

  func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    defer { durations.removeAll() }
    guard status == .success || status == .failed, threshold <= .info else { return }
    for line in Self.profilingTable(directoryName: phase.directoryName, durations: durations) {
      log(.info, line)
    }
  }

  /// The lines of dib-run-parts' table, `%-40s %10.3f` per script, without
  /// its blank lines (each line here carries a log prefix).
  static func profilingTable(directoryName: String, durations: [(name: String, nanoseconds: Int64)])
    -> [String]
  {
    var lines = [
      "----------------------- PROFILING -----------------------",
      "Target: \(directoryName)",
      padRight("Script", 40) + " " + padLeft("Seconds", 9),
      padRight(String(repeating: "-", count: 39), 40) + " " + padLeft(String(repeating: "-", count: 10), 9),
    ]
    for (name, nanoseconds) in durations {
      lines.append(padRight(name, 40) + " " + padLeft(seconds(nanoseconds), 10))
    }
    lines.append("--------------------- END PROFILING ---------------------")
    return lines
  }

  /// Nanoseconds as seconds with three decimals, rounded: `1.234`.
  static func seconds(_ nanoseconds: Int64) -> String {
    let milliseconds = (max(0, nanoseconds) + 500_000) / 1_000_000
    return "\(milliseconds / 1000).\(Timestamp.pad(Int(milliseconds % 1000), 3))"
  }

  private static func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  private static func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }

  /// Prints `os-refresh-config: error: message` on stderr.
  static func printError(_ message: String) {
    writeStandardError("os-refresh-config: error: \(message)\n")
  }

  static func writeStandardError(_ text: String) {
    var text = text
    _ = text.withUTF8 { writeFully(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
  }
}
