import CSystemShims
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// How human output reads: durations, local times, aligned columns, colour.
public enum HumanFormat {
  /// `0.41s`, `12.3s`, `1m03.2s`, `2h05m`; `-` when unknown.
  public static func duration(microseconds: Int64?) -> String {
    guard let microseconds else { return "-" }
    let tenths = (microseconds + 50_000) / 100_000
    if microseconds < 10_000_000 {
      let hundredths = (microseconds + 5_000) / 10_000
      return "\(hundredths / 100).\(Timestamp.pad(Int(hundredths % 100), 2))s"
    }
    if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
    let seconds = microseconds / 1_000_000
    if seconds < 3600 {
      return "\(seconds / 60)m\(Timestamp.pad(Int(tenths % 600 / 10), 2)).\(tenths % 10)s"
    }
    return "\(seconds / 3600)h\(Timestamp.pad(Int(seconds % 3600 / 60), 2))m"
  }

  /// `2026-11-25 02:14:36 UTC`, in local time with the zone's abbreviation.
  public static func localTime(microseconds: Int64) -> String { Timestamp.localTime(microseconds) }

  /// `12 B`, `3.4 KiB`, `1.2 MiB`.
  public static func bytes(_ count: Int64) -> String {
    if count < 1024 { return "\(count) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(count) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    let tenths = Int64((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }

  /// Rows padded into columns two spaces apart (the last column unpadded).
  public static func table(_ rows: [[String]], columns: Int? = terminalColumns) -> [String] {
    var widths: [Int] = []
    for row in rows {
      for (index, cell) in row.enumerated() {
        let width = visibleWidth(cell)
        if index < widths.count { widths[index] = max(widths[index], width) } else { widths.append(width) }
      }
    }
    return rows.map { row in
      var line = ""
      for (index, cell) in row.enumerated() {
        line += cell
        if index < row.count - 1 {
          line += String(repeating: " ", count: widths[index] - visibleWidth(cell) + 2)
        }
      }
      while line.last == " " { line.removeLast() }
      return fitted(line, columns: columns)
    }
  }

  /// The terminal's width when stdout is one (else no limit).
  public static let terminalColumns: Int? = {
    let columns = Int(orc_terminal_columns(STDOUT_FILENO))
    return columns > 0 ? columns : nil
  }()

  /// `line` cut to the terminal's width with `…` when it is longer.
  public static func fitted(_ line: String, columns: Int? = terminalColumns) -> String {
    guard let columns, columns > 1, visibleWidth(line) > columns else { return line }
    var result = ""
    var width = 0
    var inEscape = false
    for scalar in line.unicodeScalars {
      if inEscape {
        result.unicodeScalars.append(scalar)
        if scalar == "m" { inEscape = false }
        continue
      }
      if scalar == "\u{1B}" {
        inEscape = true
        result.unicodeScalars.append(scalar)
        continue
      }
      if width == columns - 1 { break }
      result.unicodeScalars.append(scalar)
      width += 1
    }
    return result + (colourEnabled ? "\u{1B}[0m" : "") + "…"
  }

  /// Characters that show, ANSI colour sequences left out.
  public static func visibleWidth(_ text: String) -> Int {
    var width = 0
    var inEscape = false
    for scalar in text.unicodeScalars {
      if inEscape {
        if scalar == "m" { inEscape = false }
      } else if scalar == "\u{1B}" {
        inEscape = true
      } else {
        width += 1
      }
    }
    return width
  }

  /// Whether to colour stdout: a terminal, and `NO_COLOR` unset or empty.
  public static let colourEnabled: Bool = {
    let noColour = getenv("NO_COLOR").map { String(cString: $0) } ?? ""
    return isatty(STDOUT_FILENO) == 1 && noColour.isEmpty
  }()

  /// A run, phase or script status, coloured on a terminal by its tone.
  public static func status<Word: StatusWord>(_ status: Word) -> String {
    guard colourEnabled else { return status.rawValue }
    let code: String
    switch status.tone {
    case .good: code = "32"
    case .bad: code = "31"
    case .cutShort: code = "33"
    case .inProgress: code = "36"
    case .neutral: return status.rawValue
    }
    return "\u{1B}[\(code)m\(status.rawValue)\u{1B}[0m"
  }

  /// Stored text made safe for a terminal, on one line: control characters
  /// as visible escapes (`\x1b`), as `systemctl status` shows them. Every
  /// human view passes what it did not write itself through here.
  public static func safe(_ text: String) -> String { DisplayText.escaped(text, singleLine: true) }

  /// A run's status with what it hides: `success, no script`, `success, 1
  /// deployment failed`.
  public static func runStatus(_ run: RunSummary) -> String {
    var text = status(run.status)
    if run.ranNoScript { text += ", no script" }
    if run.deploymentsFailed > 0 {
      text += ", \(run.deploymentsFailed) deployment\(run.deploymentsFailed == 1 ? "" : "s") failed"
    }
    return text
  }

  /// `configure/20-neutron (exit 3)`, or the phase alone, or empty: where a run failed.
  public static func failure(_ run: RunSummary) -> String {
    let place =
      run.failedScript.map { (run.failedScriptPhase?.rawValue ?? "") + "/" + safe($0) } ?? run.failedPhase?.rawValue
    guard let place else { return "" }
    if let code = run.failedExitCode { return "\(place) (exit \(code))" }
    if let signal = run.failedSignal { return "\(place) (\(signalName(Int32(signal))))" }
    return place
  }

  /// `exit 3`, `SIGKILL`, or empty: how a script ended.
  public static func ending(_ script: ScriptDetail) -> String {
    if let code = script.exitCode { return "exit \(code)" }
    if let signal = script.signal { return signalName(Int32(signal)) }
    return ""
  }

  /// `environment.d file /b/environment.d/10-x (exit 1)`: where and how
  /// sourcing environment.d failed.
  public static func environmentFailure(_ failure: EnvironmentFailureRecord) -> String {
    var text = failure.file.map { "environment.d file " + safe($0) } ?? "environment.d"
    if let code = failure.exitCode {
      text += " (exit \(code))"
    } else if let signal = failure.signal {
      text += " (\(signalName(Int32(signal))))"
    } else {
      text += " (not sourced)"
    }
    return text
  }
}
