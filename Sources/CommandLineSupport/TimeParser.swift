import SystemInterface

/// Parses the instants `--since` takes, to UTC microseconds.
///
/// Accepted: a duration back from now (`90s`, `30m`, `12h`, `7d`, `2w`, at
/// most 100 years), a local date (`2026-11-24`) or date and time
/// (`2026-11-24 10:00`, `2026-11-24T10:00:05`), or RFC 3339 with a zone
/// (`2026-11-24T10:00:00Z`, `…+01:00`, zones from -23:59 to +23:59); years
/// from 1970 to 9999. Anything else, and any value whose arithmetic would
/// overflow, is nil: a usage error, never a crash.
public enum TimeParser {
  /// The longest duration accepted: 100 years of 365.25 days, in seconds.
  public static let maximumDurationSeconds: Int64 = 3_155_760_000

  /// The instant `text` names, as UTC microseconds; `now` anchors durations.
  public static func parse(_ text: String, now: Int64) -> Int64? {
    if let duration = durationMicroseconds(text) {
      let (instant, overflow) = now.subtractingReportingOverflow(duration)
      return overflow ? nil : instant
    }
    return absolute(text)
  }

  /// `30m` → 1 800 000 000; nil past 100 years.
  public static func durationMicroseconds(_ text: String) -> Int64? {
    guard let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 else { return nil }
    let unitSeconds: Int64
    switch unit {
    case "s": unitSeconds = 1
    case "m": unitSeconds = 60
    case "h": unitSeconds = 3600
    case "d": unitSeconds = 86400
    case "w": unitSeconds = 604_800
    default: return nil
    }
    let (seconds, overflow) = amount.multipliedReportingOverflow(by: unitSeconds)
    guard !overflow, seconds <= maximumDurationSeconds else { return nil }
    return seconds * 1_000_000
  }

  private static func absolute(_ text: String) -> Int64? {
    guard let (body, offsetSeconds) = splitZone(Substring(text)) else { return nil }
    let parts = body.split(whereSeparator: { $0 == "T" || $0 == "t" || $0 == " " })
    guard (1...2).contains(parts.count), var broken = date(parts[0]) else { return nil }
    var fraction: Int64 = 0
    if parts.count == 2 {
      guard let (clock, microseconds) = time(parts[1]) else { return nil }
      (broken.tm_hour, broken.tm_min, broken.tm_sec) = clock
      fraction = microseconds
    } else if offsetSeconds != nil {
      return nil
    }
    broken.tm_isdst = -1
    let seconds = offsetSeconds.map { Int64(timegm(&broken)) - Int64($0) } ?? Int64(mktime(&broken))
    return seconds * 1_000_000 + fraction
  }

  /// Splits off `Z` or `±HH:MM`; the offset is nil when there is no zone.
  private static func splitZone(_ text: Substring) -> (Substring, Int?)? {
    if text.hasSuffix("Z") || text.hasSuffix("z") { return (text.dropLast(), 0) }
    guard text.count > 16, let sign = text.dropLast(5).last, sign == "+" || sign == "-", text.dropLast(2).last == ":"
    else { return (text, nil) }
    let zone = text.suffix(5)
    guard let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)), zone.prefix(2).allSatisfy(\.isNumber),
      (0...23).contains(hours), (0...59).contains(minutes)
    else { return nil }
    return (text.dropLast(6), (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1))
  }

  /// `YYYY-MM-DD`, years 1970 to 9999.
  private static func date(_ text: Substring) -> tm? {
    let fields = text.split(separator: "-", omittingEmptySubsequences: false)
    guard text.count == 10, fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
      let year = Int32(fields[0]), let month = Int32(fields[1]), let day = Int32(fields[2]),
      (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var broken = tm()
    broken.tm_year = year - 1900
    broken.tm_mon = month - 1
    broken.tm_mday = day
    return broken
  }

  /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`.
  private static func time(_ text: Substring) -> ((Int32, Int32, Int32), Int64)? {
    var clockText = text
    var fraction: Int64 = 0
    if let dot = text.firstIndex(of: ".") {
      let digits = text[text.index(after: dot)...]
      guard (1...6).contains(digits.count), digits.allSatisfy(\.isNumber), let value = Int64(digits) else { return nil }
      fraction = value * [1, 100_000, 10_000, 1_000, 100, 10, 1][digits.count]
      clockText = text[..<dot]
    }
    let fields = clockText.split(separator: ":", omittingEmptySubsequences: false).map { Int32($0) }
    guard (2...3).contains(fields.count), fields.allSatisfy({ $0 != nil }) else { return nil }
    let (hour, minute, second) = (fields[0]!, fields[1]!, fields.count == 3 ? fields[2]! : 0)
    guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
    return ((hour, minute, second), fraction)
  }
}
