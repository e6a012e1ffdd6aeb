import CSystemShims
import RefreshRunner

#if canImport(Glibc)
  import Glibc
#endif

/// How human output reads: durations, local times, aligned columns, colour.
enum HumanFormat {
  /// `0.41s`, `12.3s`, `1m03.2s`, `2h05m`; `-` when unknown.
  static func duration(microseconds: Int64?) -> String {
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
  static func localTime(microseconds: Int64) -> String {
    var seconds = time_t(microseconds / 1_000_000)
    var parts = tm()
    localtime_r(&seconds, &parts)
    let zone = parts.tm_zone.map { String(cString: $0) } ?? ""
    let date =
      "\(parts.tm_year + 1900)-\(Timestamp.pad(Int(parts.tm_mon) + 1, 2))-\(Timestamp.pad(Int(parts.tm_mday), 2))"
    let time =
      "\(Timestamp.pad(Int(parts.tm_hour), 2)):\(Timestamp.pad(Int(parts.tm_min), 2)):\(Timestamp.pad(Int(parts.tm_sec), 2))"
    return "\(date) \(time) \(zone)"
  }

  /// `12 B`, `3.4 KiB`, `1.2 MiB`.
  static func bytes(_ count: Int64) -> String {
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
  static func table(_ rows: [[String]]) -> [String] {
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
      return fitted(line)
    }
  }

  /// The terminal's width when stdout is one (else no limit).
  static let terminalColumns: Int? = {
    let columns = Int(orc_terminal_columns(STDOUT_FILENO))
    return columns > 0 ? columns : nil
  }()

  /// `line` cut to the terminal's width with `…` when it is longer.
  static func fitted(_ line: String, columns: Int? = terminalColumns) -> String {
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
  static func visibleWidth(_ text: String) -> Int {
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
  static let colourEnabled: Bool = {
    let noColour = getenv("NO_COLOR").map { String(cString: $0) } ?? ""
    return isatty(STDOUT_FILENO) == 1 && noColour.isEmpty
  }()

  /// A run or script status, coloured on a terminal.
  static func status(_ status: String) -> String {
    guard colourEnabled else { return status }
    let code: String
    switch status {
    case "success": code = "32"
    case "failed", "timeout", "killed": code = "31"
    case "interrupted", "abandoned": code = "33"
    case "running": code = "36"
    default: return status
    }
    return "\u{1B}[\(code)m\(status)\u{1B}[0m"
  }
}
