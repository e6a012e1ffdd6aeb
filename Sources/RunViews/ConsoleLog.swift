import RefreshRunner
import RefreshVocabulary
import SystemInterface

/// Writes the run's log to stderr in the reference's format,
/// `[2026-11-24 10:02:11,123] (os-refresh-config) [INFO] message`, and the
/// profiling table of each phase as dib-run-parts prints it.
public final class ConsoleLog: RunObserver {
  private let threshold: LogLevel
  private let clock = RunClock()
  private var durations: [(name: String, nanoseconds: Int64)] = []

  /// Whether stderr is the systemd journal: then each line starts with its
  /// syslog priority (`<3>` for ERROR), which journald strips and records, so
  /// `journalctl -p err` finds failures.
  private let toJournal: Bool

  /// A log showing `threshold` and louder; `environment` tells whether stderr is the journal.
  public init(threshold: LogLevel, environment: [String: String]) {
    self.threshold = threshold
    toJournal = Self.stderrIsJournal(environment["JOURNAL_STREAM"])
  }

  public func log(_ level: LogLevel, _ message: String) {
    guard level >= threshold else { return }
    let priority = toJournal ? "<\(Self.syslogPriority(level))>" : ""
    let line =
      "\(priority)[\(Timestamp.logTime(clock.wallMicroseconds()))] (os-refresh-config) [\(level.name)] \(DisplayText.escaped(message, singleLine: true))\n"
    Self.writeStandardError(line)
  }

  /// sd-daemon(3) priorities: CRITICAL 2, ERROR 3, WARNING 4, INFO 6, DEBUG 7.
  static func syslogPriority(_ level: LogLevel) -> Int {
    switch level {
    case .critical: 2
    case .error: 3
    case .warning: 4
    case .info: 6
    case .debug: 7
    }
  }

  /// "JOURNAL_STREAM… contains the device and inode numbers of the file
  /// descriptor for standard output or standard error, separated by a
  /// colon" (systemd.exec(5)); it names our stderr only if they match.
  static func stderrIsJournal(_ variable: String?) -> Bool {
    guard let variable else { return false }
    var info = stat()
    guard fstat(STDERR_FILENO, &info) == 0 else { return false }
    return variable == "\(info.st_dev):\(info.st_ino)"
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    durations.append((script.name, outcome.durationNanoseconds))
  }

  public func environmentWillLoad(_ files: [String], for phase: Phase) { scriptsSinceEnvironment = 0 }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    scriptsSinceEnvironment = scriptsSinceEnvironment.map { $0 + 1 }
  }

  /// Scripts started since environment.d was last sourced (nil: not sourced).
  private var scriptsSinceEnvironment: Int?

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    defer {
      durations.removeAll()
      scriptsSinceEnvironment = nil
    }
    // environment.d failed before any script: dib-run-parts never got to its table.
    if status == .failed && scriptsSinceEnvironment == 0 { return }
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
  public static func printError(_ message: String) {
    writeStandardError("os-refresh-config: error: \(DisplayText.escaped(message, singleLine: true))\n")
  }

  /// Writes `text` to stderr as it is.
  public static func writeStandardError(_ text: String) {
    writeFully(STDERR_FILENO, text)
  }
}
