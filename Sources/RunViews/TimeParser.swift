import SystemInterface

/// Parses the instants `--since` takes, to UTC microseconds.
///
/// Accepted: a duration back from now (`90s`, `30m`, `12h`, `7d`, `2w`), a
/// local date (`2026-11-24`) or date and time (`2026-11-24 10:00`,
/// `2026-11-24T10:00:05`), or RFC 3339 with a zone (`2026-11-24T10:00:00Z`,
/// `…+01:00`).
public enum TimeParser {
  /// The instant `text` names, as UTC microseconds; `now` anchors durations.
  public static func parse(_ text: String, now: Int64) -> Int64? {
    if let duration = durationMicroseconds(text) { return now - duration }
    return absolute(text)
  }

  /// `30m` → 1 800 000 000.
  public static func durationMicroseconds(_ text: String) -> Int64? {
    guard let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0, amount < 1_000_000_000 else {
      return nil
    }
    let seconds: Int64
    switch unit {
    case "s": seconds = 1
    case "m": seconds = 60
    case "h": seconds = 3600
    case "d": seconds = 86400
    case "w": seconds = 604_800
    default: return nil
    }
    return amount * seconds * 1_000_000
  }

  private static func absolute(_ text: String) -> Int64? {
    var body = Substring(text)
    var offsetSeconds: Int?
    if body.hasSuffix("Z") || body.hasSuffix("z") {
      offsetSeconds = 0
      body = body.dropLast()
    } else if body.count > 6, let sign = body.dropLast(5).last, sign == "+" || sign == "-",
      body.dropLast(2).last == ":", body.count > 10
    {
      let zone = body.suffix(5)
      guard let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
      offsetSeconds = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
      body = body.dropLast(6)
    }
    let parts = body.split(whereSeparator: { $0 == "T" || $0 == "t" || $0 == " " })
    guard (1...2).contains(parts.count) else { return nil }
    let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int32($0) }
    guard date.count == 3, let year = date[0], let month = date[1], let day = date[2],
      parts[0].count == 10, (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var clock: [Int32] = [0, 0, 0]
    var fraction: Int64 = 0
    if parts.count == 2 {
      var timeText = parts[1]
      if let dot = timeText.firstIndex(of: ".") {
        let digits = timeText[timeText.index(after: dot)...].prefix(6)
        guard let value = Int64(digits) else { return nil }
        fraction = value * Int64(pow(10, Double(6 - digits.count)))
        timeText = timeText[..<dot]
      }
      let fields = timeText.split(separator: ":", omittingEmptySubsequences: false).map { Int32($0) }
      guard (2...3).contains(fields.count), fields.allSatisfy({ $0 != nil }) else { return nil }
      for (index, value) in fields.enumerated() { clock[index] = value! }
      guard (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
    } else if offsetSeconds != nil {
      return nil
    }
    var broken = tm()
    broken.tm_year = year - 1900
    broken.tm_mon = month - 1
    broken.tm_mday = day
    broken.tm_hour = clock[0]
    broken.tm_min = clock[1]
    broken.tm_sec = clock[2]
    broken.tm_isdst = -1
    let seconds: Int64
    if let offsetSeconds {
      seconds = Int64(timegm(&broken)) - Int64(offsetSeconds)
    } else {
      seconds = Int64(mktime(&broken))
    }
    return seconds * 1_000_000 + fraction
  }
}
