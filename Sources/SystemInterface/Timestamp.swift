/// Formats instants given as UTC microseconds since the epoch: every date
/// and time this program writes comes from here.
public enum Timestamp {
  /// `2026-11-24T10:02:11.123456Z`.
  public static func utcISO8601(_ microseconds: Int64) -> String {
    let parts = broken(microseconds, local: false)
    return "\(date(parts))T\(clock(parts)).\(pad(Int(microseconds % 1_000_000), 6))Z"
  }

  /// Python logging's `asctime` in local time: `2026-11-24 10:02:11,123`.
  public static func logTime(_ microseconds: Int64) -> String {
    let parts = broken(microseconds, local: true)
    return "\(date(parts)) \(clock(parts)),\(pad(Int(microseconds % 1_000_000) / 1000, 3))"
  }

  /// `2026-11-25 02:14:36 UTC`: local time with the zone's abbreviation.
  public static func localTime(_ microseconds: Int64) -> String {
    let parts = broken(microseconds, local: true)
    let zone = parts.tm_zone.map { String(cString: $0) } ?? ""
    return "\(date(parts)) \(clock(parts)) \(zone)"
  }

  /// `20261124T100211Z`, for file names.
  public static func compactUTC(_ microseconds: Int64) -> String {
    let parts = broken(microseconds, local: false)
    return date(parts).filter { $0 != "-" } + "T" + clock(parts).filter { $0 != ":" } + "Z"
  }

  private static func broken(_ microseconds: Int64, local: Bool) -> tm {
    var seconds = time_t(microseconds / 1_000_000)
    var parts = tm()
    if local { localtime_r(&seconds, &parts) } else { gmtime_r(&seconds, &parts) }
    return parts
  }

  private static func date(_ parts: tm) -> String {
    "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
  }

  private static func clock(_ parts: tm) -> String {
    "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
  }

  /// Zero-pads a non-negative number to `width` digits.
  public static func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}
